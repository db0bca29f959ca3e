"""The pipeline's front door: what is this file, and how should GDAL read it?

Every upload or download is inspected before GDAL opens it (`source.inspect_source`);
its modules say what each check is for.
"""
