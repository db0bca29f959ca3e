"""`manage.py import_dataset`: through the worker, with --wait; and imports from a URL."""

import http.server
import subprocess
import sys
import threading

import pytest

from gisdata.models import Dataset, Feature, ImportRun
from tests.integration.processes import ROOT, process_env

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
DATA = ROOT / "tests" / "data"
DEMO = ROOT / "demo"


def command(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "import_dataset", *args, "--wait",
                           "--timeout", "120"], cwd=ROOT, env=process_env(**env),
                          capture_output=True, text=True, timeout=180)


def test_the_command_imports_through_the_worker_and_prints_the_counts(worker):
    result = command(str(DATA / "prague" / "bubenec.gpkg"), "--layer", "streets",
                     "--layer", "plots")
    assert result.returncode == 0, result.stderr
    assert "35 imported" not in result.stdout  # one line for the whole run…
    assert "442 imported" in result.stdout      # …35 streets + 407 plots
    assert "layer streets: 35 LineString" in result.stdout
    assert Feature.objects.count() == 442


def test_a_failure_exits_non_zero_with_the_reason(worker):
    result = command(str(DATA / "barcelona" / "tourist_flats.csv"))
    assert result.returncode != 0
    assert "EPSG code" in result.stderr
    assert ImportRun.objects.get().status == "failed"


def test_a_missing_file_or_a_bad_epsg_code_is_refused_at_once(worker, tmp_path):
    assert "No such file" in command(str(tmp_path / "nope.zip")).stderr
    bad = command(str(DATA / "barcelona" / "tourist_flats.csv"), "--srs", "+proj=merc")
    assert bad.returncode != 0 and "invalid epsg value" in bad.stderr
    assert not Dataset.objects.exists()


class _Files(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(DEMO / "cambridge"), **kwargs)

    def log_message(self, *args):
        pass


@pytest.fixture
def file_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.quality("url-imports")
def test_a_url_on_a_private_address_is_refused_by_the_worker(worker, file_server):
    result = command(f"{file_server}/neighborhoods.geojson")
    assert result.returncode != 0 and "127.0.0.1" in result.stderr
    assert not Feature.objects.exists()
