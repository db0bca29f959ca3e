"""The deployment's gunicorn keeps a client's connection open between answers, with one
thread per worker too (gunicorn would pick its "sync" worker there, which closes it)."""

from __future__ import annotations

import http.client

import pytest

from bench.gunicorn import wait_ready
from tests.integration.bench_server import deployment_gunicorn

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_one_connection_carries_several_requests_with_one_thread(tmp_path):
    with deployment_gunicorn(tmp_path, workers=1, threads=1) as (port, proc, log, _):
        wait_ready(port, proc, "/ogc/conformance", log)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            for _ in range(3):
                conn.request("GET", "/ogc/conformance")
                response = conn.getresponse()
                response.read()
                assert response.status == 200
                assert not response.will_close, response.getheader("Connection")
            first = conn.sock
            conn.request("GET", "/ogc/conformance")
            conn.getresponse().read()
            assert conn.sock is first  # the same socket: never reconnected
        finally:
            conn.close()
