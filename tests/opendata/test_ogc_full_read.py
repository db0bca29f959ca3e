"""GIS clients read whole layers: GDAL's own OAPIF driver (Debian's `ogrinfo`, 3.6, which
asks for 10 features a request and does not retry a 429), anonymous and with Plaza's
default settings, reads every published layer of the demo city and every public
project's proposals in full, and a generated layer of 20,500 points, from a real
gunicorn. The feature count it reads is the numberMatched we announce. Its twin: a
client past its budget of server time gets 429 with Retry-After, and GDAL, cut short,
reads less than the layer holds."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest
from django.db import connection

from gisdata.models import Dataset, Layer
from tests.integration.processes import get, process_env, start_web, stop, wait_until
from tests.launcher import load_launcher

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(shutil.which("ogrinfo") is None,
                                 reason="needs gdal-bin (ogrinfo)")]

BIG = 20_500
BIG_ID = "generated-points-points"

SEED_SQL = """
INSERT INTO gisdata_feature (layer_id, geometry, properties)
SELECT %(layer)s,
       ST_SetSRID(ST_MakePoint(2.05 + (g %% 200) * 0.0009, 41.32 + (g / 200) * 0.0014), 4326),
       jsonb_build_object('name', 'Point ' || g, 'n', g)
FROM generate_series(1, %(n)s) AS g
"""


def big_layer() -> Layer:
    """A published layer of BIG points, written by SQL in one statement."""
    dataset = Dataset.objects.create(name="Generated points", slug="generated-points",
                                     source_url="https://example.org/points.gpkg",
                                     licence="CC0 1.0", attribution="Plaza tests")
    layer = Layer.objects.create(dataset=dataset, name="points", title="Generated points",
                                 geometry_type="Point", is_published=True,
                                 schema=[{"name": "name", "type": "str"},
                                         {"name": "n", "type": "int"}])
    with connection.cursor() as cursor:
        cursor.execute(SEED_SQL, {"layer": layer.pk, "n": BIG})
    layer.feature_count = BIG
    layer.save()
    return layer


@pytest.fixture
def demo_city(db, settings, tmp_path, monkeypatch):
    """The demo city (its layers through the import pipeline, its projects and
    proposals) without its decision report, which open data does not serve."""
    import demo.loader

    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(demo.loader, "voting_report", lambda planner: None)
    demo.loader.demo_load()
    big_layer()


def serve(tmp_path, **env: str):
    """gunicorn on the test database with Plaza's defaults (only `env` changed), its
    throttles counting in a Redis database of their own, emptied first."""
    from django.core.cache import cache

    cache.clear()
    port = load_launcher().free_port()
    log = tmp_path / f"web-{port}.log"
    web = start_web(process_env(**env), port, log)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: get(base + "/healthz")[0] in (200, 503), timeout=60,
               what="gunicorn to answer", log=log)
    return web, base


def ogrinfo(*args: str) -> subprocess.CompletedProcess:
    # A user's ogrinfo: without the GDAL_ settings Plaza sets for its own uploads.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "CPL_"))}
    result = subprocess.run(["ogrinfo", "-ro", "-al", "-q", *args], capture_output=True,
                            text=True, timeout=600, check=False, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def features_read(result: subprocess.CompletedProcess) -> int:
    return len(re.findall(r"^OGRFeature\(", result.stdout, re.MULTILINE))


def read_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def test_ogrinfo_reads_every_layer_and_every_projects_proposals_in_full(demo_city, tmp_path):
    web, base = serve(tmp_path)
    try:
        collections = read_json(f"{base}/ogc/collections")["collections"]
        ids = [c["id"] for c in collections]
        assert BIG_ID in ids and any(i.startswith("proposals-") for i in ids)
        assert "barcelona-drinking-fountains-fountains" in ids
        for c in collections:
            announced = read_json(f"{base}/ogc/collections/{c['id']}/items?limit=1")
            result = ogrinfo(f"OAPIF:{base}/ogc", c["id"])
            assert "429" not in result.stderr, (c["id"], result.stderr[-500:])
            assert features_read(result) == announced["numberMatched"], c["id"]
            if "numberOfFeatures" in c:  # a layer: what it holds
                assert c["numberOfFeatures"] == announced["numberMatched"], c["id"]
    finally:
        stop(web)


def test_past_its_budget_a_client_gets_429_with_retry_after_and_gdal_is_cut_short(
        demo_city, tmp_path):
    # The budget scaled down to 50 ms of server time a minute: what parallel
    # connections reading flat out would spend of the default 60 s.
    web, base = serve(tmp_path, OGC_THROTTLE_SECONDS="0.05")
    try:
        result = ogrinfo(f"OAPIF:{base}/ogc", BIG_ID)
        assert "HTTP error code : 429" in result.stderr
        assert 0 < features_read(result) < BIG
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/ogc/collections/{BIG_ID}/items", timeout=30)
        assert refused.value.code == 429
        assert 1 <= int(refused.value.headers["Retry-After"]) <= 60
        # Another collection has a budget of its own: the client is not cut off.
        assert get(f"{base}/ogc/collections/barcelona-bike-lanes-bike_lanes/items")[0] == 200
    finally:
        stop(web)
