"""The one `environ.Env` of the project, and where the launcher's URLs come from."""

import os
from pathlib import Path

import environ

# PROJ must never fetch datum grids from the network while it reads a CRS that came
# from an uploaded file; the grids Plaza needs come from the proj-data package.
os.environ.setdefault("PROJ_NETWORK", "OFF")
# Nor may an uploaded file make GDAL open other files or URLs: drivers that do (VRT and
# the web-service drivers) are not even registered in Plaza's processes. GDAL reads this
# when its drivers are registered, so it is set before anything imports GDAL.
# (Keep it in step with gisdata.inspect.GDAL_SKIP_FOR_UPLOADS, which a test compares.)
os.environ.setdefault(
    "GDAL_SKIP",
    "VRT OGR_VRT GDALG HTTP WFS OAPIF OGCAPI CSW EEDA PLSCENES NGW Carto AmigoCloud "
    "Elasticsearch ADBC",
)

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
