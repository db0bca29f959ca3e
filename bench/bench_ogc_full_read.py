"""ogc_full_read: GDAL reads a 200,000-point layer in full from OGC API – Features.

`ogrinfo -ro -al -q OAPIF:…` fetches every feature, following the `next` links; GDAL
3.6 asks for 10 features a request, so that is 20,002 requests. Anonymous, with Plaza's
default settings (throttles included: the read must never be refused), against gunicorn
as bench_ogc runs it (1 worker, 1 thread); then, in the same run, against the peers
serving the same table (bench/peers.py: `gisdata_feature`, the layer by its `layer_id`,
bench_ogc's configurations), each started for its read and stopped after it: tipg
(uvicorn, 1 worker) and pygeoapi (gunicorn, 1 worker, 1 thread). Every read must give
GDAL all 200,000 features. Also timed: our streamed GeoJSON export of the layer
(`/api/v1/layers/{id}/features.geojson`), and the peak memory of our gunicorn worker
after a page of the largest `limit`.

The layer is bench_ogc's (seeded once, reused). Target: ours at most 1.0× each peer.
The summary's reference is tipg when it ran, pygeoapi otherwise. No timing is ever
asserted.

    .venv/bin/python -m bench.bench_ogc_full_read [--peers tipg,pygeoapi]   (tipg alone by default)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import time
from pathlib import Path

from bench import peers
from bench.bench_ogc import FEATURES, ROOT, seed
from bench.common import fail, out, setup_django, summary
from bench.gunicorn import free_port, start_gunicorn, stop_gunicorn
from bench.peers import http_get, wait_http

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
    # tipg by default: each peer's full read takes 40–70 minutes here; pygeoapi's last
    # figures are in bench/README.md (`--peers tipg,pygeoapi` for both).
    peers.add_peers_argument(parser, default=("tipg",))
    parser.add_argument("--ours-only", action="store_true",
                        help="skip the peers (no summary line), as --peers '': to profile ours")
    args = parser.parse_args()
    if args.ours_only:
        args.peers = ()
    dsn = setup_django()
    from django.conf import settings

    from opendata.catalogue import collections_all

    layer = seed()
    for name in args.peers:
        peers.venv(name)  # made now, not between the reads
    collection = next(c.id for c in collections_all() if c.layer and c.layer.pk == layer.pk)
    var = ROOT / "var" / "bench-ogc-full-read"
    var.mkdir(parents=True, exist_ok=True)
    ours_port, ours_log = free_port(), var / "gunicorn.log"
    # Plaza's default throttles: start_gunicorn raises the request rates for the other
    # benches; OGC API – Features has its own (server time), left at its default here.
    defaults = {"THROTTLE_ANON": "120/min", "THROTTLE_USER": "600/min"}
    web = start_gunicorn(ours_port, workers=1, threads=1, log=ours_log, extra_env=defaults)
    try:
        wait_http(ours_port, "/ogc/conformance", web, ours_log, "gunicorn")
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
    finally:
        stop_gunicorn(web)
    reads = {"ours": (ours_s, ours_n)}
    for name in args.peers:
        with peers.serving(name, dsn, layer.pk, var) as peer:
            out(peer.line())
            seconds, n, err = ogrinfo(*peer.oapif())
        out(f"{name}: ogrinfo read {n:,} features in {seconds:.1f} s"
            + (f" ({err})" if err else ""))
        reads[name] = (seconds, n)
    for name, (_, n) in reads.items():
        if n != FEATURES:
            fail(f"{name}: GDAL read {n:,} features, not {FEATURES:,}")
    for name in args.peers:
        out(f"ours vs {name}: {ours_s:.1f} s vs {reads[name][0]:.1f} s, ratio ours/{name} "
            f"{ours_s / reads[name][0]:.2f} (target ≤ 1.0)")
    out(f"our export {export_s:.1f} s")
    if args.peers:
        reference = "tipg" if "tipg" in args.peers else args.peers[0]
        out(summary(NAME, ours_s, reads[reference][0], "s") + f" (reference: {reference})")


if __name__ == "__main__":
    main()
