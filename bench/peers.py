"""Peer servers of OGC API – Features for the benchmarks: pygeoapi and tipg, serving the
table Plaza's layers live in, on the bench database, over HTTP on 127.0.0.1.

Each peer runs from a virtualenv of its own under var/ (`var/bench-pygeoapi/`,
`var/bench-tipg/`), made on first use from its pinned list (`bench/requirements-NAME.txt`,
every package pinned) and made again when that list changes; never the project's .venv.
`serving` starts one on a free port in a process group of its own, waits until it
answers, and stops it afterwards, after a failure too.

Both read `gisdata_feature` itself (partitioned by `layer_id`: one partition per imported
layer, the benchmarks' layers included, bench/seed_layers.py), the layer chosen in every request by
`layer_id=…` in the query, which both take as a filter on that column:

- **pygeoapi** 0.21 (the last release for Python 3.11): its PostgreSQL provider
  (SQLAlchemy, psycopg2), collection `features`, id field `id`, from a configuration
  written under var/, under gunicorn with 1 worker and 1 thread (as ours); asked for
  `sortby=id`. It pages by `OFFSET` and counts the matches on every page.
- **tipg** 1.6.1 (FastAPI, asyncpg, PostGIS builds the tiles): collection
  `public.gisdata_feature` (`TIPG_DB_TABLES`), its id column set to `id`
  (`TIPG_TABLE_CONFIG__…__PK`: tipg would otherwise take the first one-column index, the
  GiST one on the geometry, since the primary key is `(id, layer_id)`), no extents
  computed at start (`TIPG_DB_SPATIAL_EXTENT=false`: an `ST_Extent` over the whole table
  every `catalog_ttl`), and our tile settings (`TIPG_TILE_BUFFER` 64 and
  `TIPG_MAX_FEATURES_PER_TILE` 20,000 instead of its 256 and 10,000); under uvicorn,
  1 worker (one process, uvloop, httptools); asked for `sortby=id` too (without it, the
  order is the table's, which is the ids' only while a layer's rows lie in id order). It
  pages by `OFFSET` and counts the matches on every page too.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import fail, out
from bench.gunicorn import free_port, log_tail, stop_group

ROOT = Path(__file__).resolve().parent.parent
PEERS = ("tipg", "pygeoapi")
# The bbox the peers announce for pygeoapi's collection (its configuration needs one).
AREA = (2.05, 41.32, 2.23, 41.47)
TIPG_TABLE = "public.gisdata_feature"


def add_peers_argument(
    parser: argparse.ArgumentParser,
    choices: tuple[str, ...] = PEERS,
    default: tuple[str, ...] = PEERS,
) -> None:
    """--peers a,b: which peers to run (a shorter run: `--peers tipg`; none: `--peers ''`)."""

    def peers(value: str) -> tuple[str, ...]:
        names = tuple(n.strip() for n in value.split(",") if n.strip())
        unknown = [n for n in names if n not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown peer {', '.join(unknown)}; choose from {', '.join(choices)}"
            )
        return names

    parser.add_argument(
        "--peers",
        type=peers,
        default=default,
        help=f"comma-separated peers to run ({','.join(default)}); '' for ours only",
    )


def venv(name: str) -> Path:
    """var/bench-NAME/, made (or made again, when the pins changed) from
    bench/requirements-NAME.txt."""
    directory = ROOT / "var" / f"bench-{name}"
    requirements = ROOT / "bench" / f"requirements-{name}.txt"
    stamp = directory / "requirements.txt"
    wanted = requirements.read_text()
    if stamp.exists() and stamp.read_text() == wanted:
        return directory
    started = time.perf_counter()
    out(
        f"{name}: creating {directory.relative_to(ROOT)} from "
        f"{requirements.relative_to(ROOT)} (first use only)"
    )
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(directory)], check=True)
    pip = str(directory / "bin" / "pip")
    result = subprocess.run(
        [pip, "install", "-q", "-r", str(requirements)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        fail(f"pip install into {directory} failed:\n{result.stderr[-3000:]}")
    frozen = subprocess.run([pip, "freeze"], capture_output=True, text=True, check=True)
    pinned = {_canonical(line) for line in wanted.splitlines() if "==" in line}
    unpinned = [line for line in frozen.stdout.splitlines() if _canonical(line) not in pinned]
    if unpinned:
        out(f"{name}: installed without a pin in {requirements.name}: {', '.join(unpinned)}")
    stamp.write_text(wanted)
    out(f"{name}: installed in {time.perf_counter() - started:.0f} s")
    return directory


def _canonical(line: str) -> str:
    """`Foo_Bar==1.0` → `foo-bar==1.0` (pip's names are case- and separator-blind)."""
    name, _, version = line.strip().partition("==")
    return f"{re.sub(r'[-_.]+', '-', name).lower()}=={version}"


def http_get(port: int, path: str) -> tuple[int, bytes]:
    """One request on a connection of its own (as a proxy would), Accept geo+json."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept": "application/geo+json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_http(
    port: int, path: str, proc: subprocess.Popen, log: Path, what: str, timeout: float = 60
) -> float:
    """Seconds until GET `path` answers 200; a failure if the server exits or never does."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            fail(f"{what} exited with {proc.returncode}:\n{log_tail(log)}")
        try:
            if http_get(port, path)[0] == 200:
                return time.monotonic() - started
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    fail(f"{what} did not answer GET {path} within {timeout:.0f} s:\n{log_tail(log)}")
    return 0.0


@dataclass
class Peer:
    name: str
    port: int
    proc: subprocess.Popen
    log: Path
    layer_id: int
    ready: float  # seconds from start until it answered

    @property
    def collection(self) -> str:
        return "features" if self.name == "pygeoapi" else TIPG_TABLE

    def items_path(self, query: str) -> str:
        """The layer's items with `query` (bbox=…&limit=…), as GeoJSON, ordered by id."""
        layer = f"layer_id={self.layer_id}"
        if self.name == "pygeoapi":
            return f"/collections/features/items?{query}&{layer}&sortby=id&f=json"
        return f"/collections/{TIPG_TABLE}/items?{query}&{layer}&sortby=id&f=geojson"

    def tile_path(self, z: int, x: int, y: int) -> str:
        """tipg's Mapbox vector tile of the layer (WebMercatorQuad, as ours)."""
        if self.name != "tipg":
            raise ValueError(f"{self.name} serves no vector tiles here")
        return (
            f"/collections/{TIPG_TABLE}/tiles/WebMercatorQuad/{z}/{x}/{y}?layer_id={self.layer_id}"
        )

    def oapif(self) -> tuple[str, str]:
        """GDAL's connection string and layer name for the whole layer (GDAL adds the
        URL's query to every request it makes)."""
        return (f"OAPIF:http://127.0.0.1:{self.port}?layer_id={self.layer_id}", self.collection)

    def line(self) -> str:
        return (
            f"{self.name}: pid {self.proc.pid} on 127.0.0.1:{self.port}, answering "
            f"after {self.ready:.1f} s"
        )


@contextmanager
def serving(name: str, dsn: str, layer_id: int, directory: Path) -> Iterator[Peer]:
    """The peer `name` serving the bench database, answering, then stopped (after a
    failure too). `directory` (under var/) takes its configuration and its log."""
    env_dir = venv(name)
    directory.mkdir(parents=True, exist_ok=True)
    port, log = free_port(), directory / f"{name}.log"
    if name == "pygeoapi":
        proc = _start_pygeoapi(env_dir, _pygeoapi_config(dsn, port, directory), port, log)
        ready_path = "/conformance?f=json"
    elif name == "tipg":
        proc = _start_tipg(env_dir, dsn, port, log, directory)
        ready_path = f"/collections/{TIPG_TABLE}?f=json"
    else:
        raise ValueError(f"no peer {name}")
    try:
        ready = wait_http(port, ready_path, proc, log, name)
        yield Peer(name, port, proc, log, layer_id, ready)
    finally:
        stop_group(proc, timeout=25)


def _base_env(home: Path) -> dict[str, str]:
    # Not the project's environment: neither its DATABASE_URL nor its settings.
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(home)),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
    }


def _pygeoapi_config(dsn: str, port: int, directory: Path) -> Path:
    """pygeoapi's configuration: one collection, `features`, on gisdata_feature."""
    import yaml

    db = urlsplit(dsn)
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json",
            "encoding": "utf-8",
            "language": "en-US",
            "pretty_print": False,
            "limits": {"default_items": 10, "max_items": 10_000},
            "map": {
                "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                "attribution": "OpenStreetMap",
            },
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "Plaza bench",
                "description": "bench_ogc",
                "keywords": ["bench"],
                "keywords_type": "theme",
                "terms_of_service": "https://example.org",
                "url": "https://example.org",
            },
            "license": {"name": "CC0 1.0", "url": "https://example.org"},
            "provider": {"name": "Plaza", "url": "https://example.org"},
            "contact": {"name": "Plaza"},
        },
        "resources": {
            "features": {
                "type": "collection",
                "title": "Benchmark points",
                "description": "bench",
                "keywords": ["bench"],
                "extents": {
                    "spatial": {
                        "bbox": list(AREA),
                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                    }
                },
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "data": {
                            "host": db.hostname,
                            "port": db.port or 5432,
                            "dbname": db.path.lstrip("/"),
                            "user": db.username,
                            "password": db.password,
                            "search_path": ["public"],
                        },
                        "id_field": "id",
                        "table": "gisdata_feature",
                        "geom_field": "geometry",
                    }
                ],
            }
        },
    }
    path = directory / "pygeoapi-config.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def _start_pygeoapi(env_dir: Path, config: Path, port: int, log: Path) -> subprocess.Popen:
    openapi = config.with_name("pygeoapi-openapi.yml")
    env = {
        **_base_env(config.parent),
        "PYGEOAPI_CONFIG": str(config),
        "PYGEOAPI_OPENAPI": str(openapi),
    }
    result = subprocess.run(
        [
            str(env_dir / "bin" / "pygeoapi"),
            "openapi",
            "generate",
            str(config),
            "--output-file",
            str(openapi),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        fail(f"pygeoapi openapi generate failed:\n{result.stderr[-3000:]}")
    cmd = [
        str(env_dir / "bin" / "gunicorn"),
        "pygeoapi.flask_app:APP",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        "1",
        "--no-control-socket",
    ]
    return subprocess.Popen(
        cmd,
        cwd=config.parent,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _start_tipg(env_dir: Path, dsn: str, port: int, log: Path, directory: Path) -> subprocess.Popen:
    from gisdata import selectors

    env = {
        **_base_env(directory),
        "DATABASE_URL": dsn,
        "TIPG_DB_SCHEMAS": json.dumps(["public"]),
        "TIPG_DB_TABLES": json.dumps([TIPG_TABLE]),
        "TIPG_TABLE_CONFIG__public_gisdata_feature__pk": "id",
        "TIPG_DB_SPATIAL_EXTENT": "false",
        "TIPG_DB_DATETIME_EXTENT": "false",
        "TIPG_TILE_BUFFER": str(selectors.BUFFER),
        "TIPG_MAX_FEATURES_PER_TILE": str(selectors.MAX_TILE_FEATURES),
    }
    # cwd: tipg's settings also read a `.env` file from the working directory; there is
    # none under var/. No access log (warnings only), as pygeoapi's gunicorn.
    cmd = [
        str(env_dir / "bin" / "uvicorn"),
        "tipg.main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(
        cmd,
        cwd=directory,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
