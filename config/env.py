"""The one `environ.Env` of the project, and where the launcher's URLs come from."""

import os
from pathlib import Path

import environ

# PROJ must never fetch datum grids from the network while it reads a CRS that came
# from an uploaded file; the grids Plaza needs come from the proj-data package. Set
# outright, not by default: no environment may turn the network on for imports.
os.environ["PROJ_NETWORK"] = "OFF"
# Nor may an uploaded file make GDAL open other files or URLs, or be read by a driver Plaza
# never meant to use: only the six drivers of ALLOWED_DRIVERS (and MEM,
# gisdata/imports/inspection/drivers.py) stay registered. Some of the others open files or URLs
# named inside a file (VRT, GDALG), talk to web services (WFS, OAPIF, ...), or read and
# write sidecar files and download schemas (GML, which claims XML a KML check could let
# through). Comma-separated so that "MapInfo File" is one name. Set before anything imports
# GDAL, which reads it when its drivers are registered, and set outright: no environment may
# loosen it. (Keep it in step with GDAL_SKIP_FOR_UPLOADS in
# gisdata/imports/inspection/drivers.py, which a test compares.)
os.environ["GDAL_SKIP"] = (
    "ADBC,AIVector,AVCBin,AVCE00,AmigoCloud,CSW,Carto,DGN,DXF,EDIGEO,EEDA,ESRIJSON,"
    "Elasticsearch,FlatGeobuf,GDALG,GML,GPSBabel,GPX,GTFS,GeoJSONSeq,GeoRSS,HTTP,"
    "Idrisi,JML,JSONFG,LVBAG,MBTiles,MVT,MapInfo File,MapML,MiraMonVector,NGW,"
    "OAPIF,ODS,OGCAPI,OGR_GMT,OGR_PDS,OGR_VRT,OSM,OpenFileGDB,PCIDSK,PDF,PDS4,"
    "PGDUMP,PLSCENES,PMTiles,S57,SQLite,SXF,Selafin,TopoJSON,VDV,VFK,VICAR,VRT,"
    "WAsP,WFS,XLSX"
)
# Two GDAL options whose defaults are already safe, pinned so that no environment turns
# them on: SQL functions of GDAL's SQLite dialect that open other datasets (a GeoPackage
# could name one), and LIBKML fetching the styles a KML links to.
os.environ["OGR_SQLITE_ALLOW_EXTERNAL_ACCESS"] = "NO"
os.environ["LIBKML_RESOLVE_STYLE"] = "NO"

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# Written by `platform/services.py up` for the private PostGIS and Redis under var/.
SERVICES_ENV_FILE = BASE_DIR / "var" / "services.env"


def read_services_env() -> None:
    """Take DATABASE_URL / REDIS_URL from var/services.env unless the environment has them.

    Only local and test settings call this: production reads the real environment alone.
    """
    if SERVICES_ENV_FILE.exists():
        # read_env only sets variables that are not already set: the real environment wins.
        env.read_env(SERVICES_ENV_FILE)


def redis_url_with_db(url: str, db: int) -> str:
    """The same Redis server with another logical database number."""
    head, _, tail = url.rpartition("/")
    if "://" in head and tail.split("?")[0].isdigit():
        query = tail.partition("?")[2]
        return f"{head}/{db}" + (f"?{query}" if query else "")
    return f"{url.rstrip('/')}/{db}"


def s3_storages(*, bucket: str, endpoint_url: str | None, access_key: str | None,
                secret_key: str | None,
                region: str = "us-east-1", addressing_style: str = "path") -> dict:
    """STORAGES["default"] and ["private"] on one S3 bucket (django-storages), under the
    prefixes `media/` and `private/`.

    The bucket stays private: no ACL is set on any object, and Plaza hands out no link
    into it: every file goes through a view that checks who asks (core/storage_s3.py).
    Names are never reused (`file_overwrite` off). Each call to S3 is bounded (2 s to
    connect, 10 s to read, 2 attempts), so that a store that is gone fails a request, or
    /healthz, within seconds instead of hanging it. A file read is spooled to a temporary
    file beyond 2.5 MB, so that memory stays bounded whatever its size.
    """
    from botocore.config import Config

    common = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "access_key": access_key,
        "secret_key": secret_key,
        "region_name": region,
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
        "max_memory_size": 2_621_440,
        # Given whole, this replaces the one django-storages builds from addressing_style.
        "client_config": Config(
            s3={"addressing_style": addressing_style},
            connect_timeout=2, read_timeout=10,
            retries={"max_attempts": 2, "mode": "standard"},
        ),
    }
    return {
        "default": {"BACKEND": "core.storage_s3.MediaS3Storage",
                    "OPTIONS": {**common, "location": "media"}},
        "private": {"BACKEND": "core.storage_s3.PrivateS3Storage",
                    "OPTIONS": {**common, "location": "private"}},
    }
