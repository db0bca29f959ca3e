"""The pipeline's front door: what is this file, and how should GDAL read it?

Every upload or download is inspected before GDAL opens it. `source.inspect_source` is
the one entry: it checks the stored file and hands it to `archive` (a zip, a KMZ; with
`shapefile` for the .shp/.shx/.dbf groups) or to `data_file` (one data file by its
content), which runs the checks of `formats` (content detection; GeoJSON, GeoPackage,
KML), `csv_columns`, `outbound` (references that would make GDAL or PROJ reach out),
`geopackage_schema` (stored SQL) and `drivers` (the drivers uploads may use). `base`
holds what they share: the limits, `InspectError` and the `Source` the readers get.
"""
