"""ogc_full_read: GDAL reads a 200,000-point layer in full from OGC API – Features.

`ogrinfo -ro -al -q OAPIF:…` fetches every feature, following the `next` links; GDAL
3.6 asks for 10 features a request, so that is 20,002 requests. Anonymous, with Plaza's
default settings (throttles included: the read must never be refused), against gunicorn
as bench_ogc runs it (1 worker, 1 thread), and against pygeoapi serving the same table
(`gisdata_feature`, the layer by its `layer_id`, bench_ogc's configuration), in the same
run. Both must give GDAL all 200,000 features. Also timed: our streamed GeoJSON export
of the layer (`/api/v1/layers/{id}/features.geojson`), and the peak memory of our
gunicorn worker after a page of the largest `limit`.

The layer is bench_ogc's (seeded once, reused). Target: ours at most 1.0× pygeoapi.
No timing is ever asserted.

    .venv/bin/python -m bench.bench_ogc_full_read
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import time
from pathlib import Path

from bench.bench_ogc import (
    FEATURES,
    ROOT,
    http_get,
    pygeoapi_config,
    pygeoapi_venv,
    seed,
    start_pygeoapi,
    wait_http,
)
from bench.common import fail, out, setup_django, summary
from bench.gunicorn import free_port, start_gunicorn, stop_gunicorn

NAME = "ogc_full_read"


def ogrinfo(url: str, layer: str) -> tuple[float, int, str]:
    """Seconds, features read, and GDAL's complaints, for a full read of `layer`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "CPL_"))}
    started = time.perf_counter()
    result = subprocess.run(["ogrinfo", "-ro", "-al", "-q", url, layer], capture_output=True,
                            text=True, check=False, env=env)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        fail(f"ogrinfo {url} {layer} exited {result.returncode}: {result.stderr[-2000:]}")
    return seconds, len(re.findall(r"^OGRFeature\(", result.stdout, re.MULTILINE)), \
        result.stderr.strip()[-500:]


def worker_peak_kib(master: int) -> int:
    """The largest peak resident size (VmHWM) among gunicorn's workers."""
    peak = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) != master:
                continue
            status = Path(f"/proc/{pid}/status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        peak = max(peak, int(found.group(1)) if found else 0)
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ours-only", action="store_true",
                        help="skip pygeoapi (no summary line): to profile ours")
    args = parser.parse_args()
    dsn = setup_django()
    from django.conf import settings

    from opendata.catalogue import collections_all

    layer = seed()
    venv = pygeoapi_venv()
    collection = next(c.id for c in collections_all() if c.layer and c.layer.pk == layer.pk)
    var = ROOT / "var" / "bench-ogc-full-read"
    var.mkdir(parents=True, exist_ok=True)
    ours_port, theirs_port = free_port(), free_port()
    ours_log, theirs_log = var / "gunicorn.log", var / "pygeoapi.log"
    # Plaza's default throttles: start_gunicorn raises the request rates for the other
    # benches; OGC API – Features has its own (server time), left at its default here.
    defaults = {"THROTTLE_ANON": "120/min", "THROTTLE_USER": "600/min"}
    web = start_gunicorn(ours_port, workers=1, threads=1, log=ours_log, extra_env=defaults)
    pygeoapi = start_pygeoapi(venv, pygeoapi_config(dsn, theirs_port, layer.pk, var),
                              theirs_port, theirs_log)
    try:
        wait_http(ours_port, "/ogc/conformance", web, ours_log, "gunicorn")
        wait_http(theirs_port, "/conformance?f=json", pygeoapi, theirs_log, "pygeoapi")
        rss_before = worker_peak_kib(web.pid)
        started = time.perf_counter()
        status, body = http_get(ours_port, f"/ogc/collections/{collection}/items"
                                f"?limit={settings.OGC_ITEMS_MAX_LIMIT}")
        page_s = time.perf_counter() - started
        if status != 200:
            fail(f"the largest page answered {status}")
        out(f"largest page: limit {settings.OGC_ITEMS_MAX_LIMIT:,}, {len(body):,} B in "
            f"{page_s * 1000:.0f} ms; worker peak RSS {rss_before / 1024:.0f} MiB before, "
            f"{worker_peak_kib(web.pid) / 1024:.0f} MiB after")
        started = time.perf_counter()
        status, body = http_get(ours_port, f"/api/v1/layers/{layer.pk}/features.geojson")
        export_s = time.perf_counter() - started
        if status != 200 or len(json.loads(body)["features"]) != FEATURES:
            fail(f"the export answered {status} with {len(body):,} B")
        out(f"export: {FEATURES:,} features, {len(body) / 1e6:.1f} MB streamed in "
            f"{export_s:.1f} s")
        ours_s, ours_n, ours_err = ogrinfo(f"OAPIF:http://127.0.0.1:{ours_port}/ogc",
                                           collection)
        out(f"ours: ogrinfo read {ours_n:,} features in {ours_s:.1f} s"
            + (f" ({ours_err})" if ours_err else ""))
        if args.ours_only:
            return
        theirs_s, theirs_n, theirs_err = ogrinfo(
            f"OAPIF:http://127.0.0.1:{theirs_port}?layer_id={layer.pk}", "features")
        out(f"pygeoapi: ogrinfo read {theirs_n:,} features in {theirs_s:.1f} s"
            + (f" ({theirs_err})" if theirs_err else ""))
    finally:
        stop_gunicorn(web)
        stop_gunicorn(pygeoapi)
    for name, n in (("ours", ours_n), ("pygeoapi", theirs_n)):
        if n != FEATURES:
            fail(f"{name}: GDAL read {n:,} features, not {FEATURES:,}")
    out(f"ours vs pygeoapi: {ours_s:.1f} s vs {theirs_s:.1f} s, ratio "
        f"{ours_s / theirs_s:.2f} (target ≤ 1.0); our export {export_s:.1f} s")
    out(summary(NAME, ours_s, theirs_s, "s"))


if __name__ == "__main__":
    main()
