"""GIS tools read /ogc natively: GDAL's own OAPIF driver (Debian's `ogrinfo`) and
OWSLib's OGC API – Features client, against a real gunicorn on loopback."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.integration.processes import get, process_env, start_web, stop, wait_until
from tests.launcher import load_launcher
from tests.opendata.conftest import grid, layer_make

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LAYER = "ds-fountains-fountains"
BIG = "ds-benches-benches"


@pytest.fixture
def server(city, tmp_path):
    """gunicorn serving the test database, with a second layer of 2,345 points: more
    than GDAL reads in one page, so its count and paging are both exercised."""
    layer_make("benches", points=grid(2345, step=0.0001),
               props=lambda i: {"name": f"Bench {i}", "seats": i % 4, "ok": i % 2 == 0})
    port = load_launcher().free_port()
    log = tmp_path / "web.log"
    web = start_web(process_env(THROTTLE_ANON="100000/min", THROTTLE_USER="100000/min"),
                    port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: get(base + "/ogc/conformance")[0] == 200, timeout=60,
                   what="/ogc/conformance to answer", log=log)
        yield base
    finally:
        stop(web)


def ogrinfo(*args: str) -> str:
    # A user's ogrinfo: without the GDAL_SKIP that Plaza sets for its own uploads.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "CPL_"))}
    result = subprocess.run(["ogrinfo", "--config", "GDAL_HTTP_TIMEOUT", "30", *args],
                            capture_output=True, text=True, timeout=120, check=False, env=env)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs gdal-bin (ogrinfo)")
def test_ogrinfo_lists_the_collections_and_counts_what_we_count(server, city):
    listing = ogrinfo("-ro", "-q", f"OAPIF:{server}/ogc")
    names = re.findall(r"^\d+: (\S+)", listing, re.MULTILINE)
    assert names == ["proposals-open-city", BIG, LAYER]  # layers by dataset name

    for name, ours in ((LAYER, 25), (BIG, 2345), ("proposals-open-city", 4)):
        summary = ogrinfo("-ro", "-so", f"OAPIF:{server}/ogc", name)
        assert f"Feature Count: {ours}" in summary, summary
    summary = ogrinfo("-ro", "-so", f"OAPIF:{server}/ogc/", BIG)
    assert "Geometry: Point" in summary and "seats:" in summary


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs gdal-bin (ogrinfo)")
def test_ogrinfo_reads_every_feature_through_the_next_links(server):
    out = ogrinfo("-ro", "-al", "-q", f"OAPIF:{server}/ogc", BIG)
    names = re.findall(r"^\s+name \(String\) = (Bench \d+)$", out, re.MULTILINE)
    assert len(names) == len(set(names)) == 2345
    # And by bbox (-spat): the driver sends it to us, we send what is inside.
    out = ogrinfo("-ro", "-al", "-q", "-spat", "2.15", "41.38", "2.1505", "41.3802",
                  f"OAPIF:{server}/ogc", BIG)
    # x ≤ 2.1505 takes 6 columns, y ≤ 41.3802 the first 3 rows of ten.
    assert len(re.findall(r"^OGRFeature", out, re.MULTILINE)) == 18


def test_owslib_reads_collections_and_items(server, city):
    from owslib.ogcapi.features import Features

    api = Features(f"{server}/ogc", timeout=30)
    assert [c["id"] for c in api.collections()["collections"]] == [
        "proposals-open-city", BIG, LAYER]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in \
        api.conformance()["conformsTo"]
    assert api.collection(LAYER)["title"] == "Fountains"
    page = api.collection_items(LAYER, limit=5, offset=20)
    assert page["numberMatched"] == 25 and page["numberReturned"] == 5
    assert [f["properties"]["n"] for f in page["features"]] == [20, 21, 22, 23, 24]
    inside = api.collection_items(BIG, bbox=[2.15, 41.38, 2.1505, 41.3802], limit=100)
    assert inside["numberMatched"] == 18
    one = api.collection_item(LAYER, str(page["features"][0]["id"]))
    assert one["properties"] == {"name": "F20", "n": 20}
    proposals = api.collection_items("proposals-open-city")
    assert {f["properties"]["title"] for f in proposals["features"]} == {
        "Idea 0", "Idea 1", "Idea 2", "Idea 3"}
