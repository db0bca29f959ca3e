"""An import from a URL: fetched safely, then the same pipeline as an upload."""

import http.server
import threading
from pathlib import Path

import pytest

from gisdata.imports import services
from gisdata.models import ImportRun

pytestmark = pytest.mark.django_db
CAMBRIDGE = Path(__file__).resolve().parents[2] / "demo" / "cambridge"


class _Files(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(CAMBRIDGE), **kwargs)

    def log_message(self, *args):
        pass


@pytest.fixture
def file_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def start(url: str) -> ImportRun:
    dataset = services.dataset_create(name="Neighbourhoods", source_url=url)
    run = services.import_start(dataset=dataset)
    services.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_an_allowed_intranet_host_is_imported_from(file_server, settings):
    settings.GISDATA_FETCH_ALLOW_HOSTS = ["127.0.0.1"]
    run = start(f"{file_server}/neighborhoods.geojson")
    assert run.status == "succeeded", run.message
    assert run.dataset.layers.get().feature_count == 13


def test_loopback_is_refused_by_default(file_server):
    run = start(f"{file_server}/neighborhoods.geojson")
    assert run.status == "failed" and "127.0.0.1" in run.message
    assert not run.dataset.layers.exists()


def test_a_404_fails_the_run_with_the_status(file_server, settings):
    settings.GISDATA_FETCH_ALLOW_HOSTS = ["127.0.0.1"]
    run = start(f"{file_server}/missing.geojson")
    assert run.status == "failed" and "404" in run.message


@pytest.mark.parametrize("url", ["ftp://example.org/x.zip", "file:///etc/passwd",
                                 "javascript:alert(1)"])
@pytest.mark.quality("url-imports")
def test_only_http_urls_are_accepted(url):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="http and https"):
        services.dataset_create(name="x", source_url=url)
