"""Which GDAL drivers may read an upload, and the one place inspection asks GDAL itself.

Content detection never hands GDAL a file it has not checked, but GDAL still picks the
driver by its own probing. So the drivers an upload may be read with are listed here,
every other vector driver is left unregistered (``GDAL_SKIP``, set by config/env.py
before GDAL loads), and :func:`list_layers`, which opens a GeoPackage or a KML to list
its layers, refuses a file GDAL opened with any other driver.
"""

from __future__ import annotations

import warnings

from django.utils.translation import gettext as _

from gisdata.imports.inspection.base import SUPPORTED, InspectError

#: The GDAL drivers an upload may be read with. Anything else (OGR_VRT, GDALG, WFS, ...)
#: could open other files or the network on the uploader's behalf.
ALLOWED_DRIVERS = frozenset({"ESRI Shapefile", "GeoJSON", "GPKG", "LIBKML", "KML", "CSV"})

#: ``GDAL_SKIP`` for the environment, set by config/env.py *before* ``import pyogrio`` (GDAL
#: reads it once, when it registers its drivers; setting it later through pyogrio changes
#: nothing): every vector driver of pyogrio's GDAL except :data:`ALLOWED_DRIVERS` and MEM.
#: Some open other files or URLs named inside a file (VRT, GDALG), talk to network
#: services (WFS, OAPIF, ...), or read sidecar files and download schemas (GML). A test
#: fails when a newer GDAL registers a driver missing here. Not set by this module:
#: :func:`check_driver` works without it.
GDAL_SKIP_FOR_UPLOADS = (
    "ADBC,AIVector,AVCBin,AVCE00,AmigoCloud,CSW,Carto,DGN,DXF,EDIGEO,EEDA,ESRIJSON,"
    "Elasticsearch,FlatGeobuf,GDALG,GML,GPSBabel,GPX,GTFS,GeoJSONSeq,GeoRSS,HTTP,"
    "Idrisi,JML,JSONFG,LVBAG,MBTiles,MVT,MapInfo File,MapML,MiraMonVector,NGW,"
    "OAPIF,ODS,OGCAPI,OGR_GMT,OGR_PDS,OGR_VRT,OSM,OpenFileGDB,PCIDSK,PDF,PDS4,"
    "PGDUMP,PLSCENES,PMTiles,S57,SQLite,SXF,Selafin,TopoJSON,VDV,VFK,VICAR,VRT,"
    "WAsP,WFS,XLSX"
)


def check_driver(driver_name: str) -> None:
    """Refuse a dataset GDAL opened with a driver outside :data:`ALLOWED_DRIVERS`.

    Content detection never hands GDAL a VRT, but :func:`list_layers` still calls this
    with the driver ``pyogrio.read_info`` reports for a GeoPackage or a KML: it is
    whatever GDAL's own probing decided, whether or not ``GDAL_SKIP`` (see
    :data:`GDAL_SKIP_FOR_UPLOADS`) was set before GDAL loaded. Shapefiles, GeoJSON and
    CSV are not listed through GDAL: their paths (a checked ``.shp``, the ``GeoJSON:``
    prefix, a CSV read in Python) leave GDAL no driver to choose.
    """
    if driver_name not in ALLOWED_DRIVERS:
        raise InspectError(
            _("GDAL recognised this file as %(driver_name)s, a format Plaza does not "
              "accept in uploads. %(SUPPORTED)s.") % {
                "driver_name": repr(driver_name),
                "SUPPORTED": SUPPORTED},
            code="driver_refused",
        )


def list_layers(gdal_path: str, *, name: str, what: str) -> list[tuple[str, str | None]]:
    """(layer, geometry type) through pyogrio, only ever called after our checks passed."""
    import pyogrio
    import pyogrio.errors

    try:
        with warnings.catch_warnings():
            # "has GPKG application_id, but non conformant file extension": our uploads
            # are stored under names of our own.
            warnings.simplefilter("ignore", RuntimeWarning)
            listed = pyogrio.list_layers(gdal_path)
            info = pyogrio.read_info(gdal_path, layer=str(listed[0][0])) if len(listed) else None
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InspectError(
            _("GDAL could not open the %(what)s %(name)s; it may be damaged. (GDAL said: "
              "%(exc)s)") % {"what": what, "name": repr(name), "exc": exc},
            code="unreadable",
        ) from exc
    if info is not None:
        check_driver(info["driver"])
    return [(str(layer), None if geometry is None else str(geometry)) for layer, geometry in listed]
