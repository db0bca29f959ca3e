"""The import pipeline: how a file or a URL becomes a dataset's layers.

`services` registers the dataset and queues its run; the worker's task
(gisdata/tasks.py) then calls `services.import_run_execute`, which goes through the
modules below in order: `fetch` (a URL, without becoming an SSRF proxy), `inspection`
(what the file is, refused before GDAL opens it if it could reach out), `reader` and
`csv_reader` (the layers as columns), `crs_identify` and `encodings` (what a file leaves
unsaid), `load` (each layer COPYed in batches into its new partition: `jsonb` and
`columnar` make the rows' properties, `ewkb_copy` the fast path's binary COPY, `repair`
the long way for a batch PostGIS must reproject or repair, with `geometry_mend` for
geometries it cannot parse, `placing` what a layer's loading has seen), `background`
(each loaded layer checked and indexed while the next loads) and `partitions` (the
swap). `runs` sees that every run ends; `api` is what the progress bar polls. What
serves the imported layers (gisdata's selectors, API and tiles) lives outside this
package and does not import it.
"""
