"""`/healthz` reports the file storage: on S3, a bounded call that fails within seconds
when the store is gone, and says so without naming where it is."""

from __future__ import annotations

import pytest

from tests.storage.conftest import storages_on, switched

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_s3(launcher, tmp_path):
    """An S3 server of this test's own, which the test may stop."""
    server = launcher.s3server.S3Server(tmp_path / "s3", {})
    server.up()
    try:
        yield server
    finally:
        server.down()


def storage_on(server):
    state = server.state
    return switched(storages_on(server.endpoint(), state["bucket"], state["access_key"],
                                state["secret_key"]))


@pytest.mark.quality("storage-down")
def test_healthz_is_200_with_the_storage_on_a_running_s3(client, worker, own_s3):
    with storage_on(own_s3):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["storage"]["ok"] is True


@pytest.mark.quality("storage-down")
def test_healthz_is_503_once_the_s3_server_is_stopped(client, own_s3):
    with storage_on(own_s3):
        assert client.get("/healthz").json()["checks"]["storage"]["ok"] is True
        own_s3.down()
        response = client.get("/healthz")  # bounded: 2 s to connect, 2 attempts
    assert response.status_code == 503
    storage = response.json()["checks"]["storage"]
    assert storage["ok"] is False and storage["error"] == "EndpointConnectionError"
    text = response.content.decode()
    assert own_s3.endpoint() not in text and str(own_s3.state["port"]) not in text


@pytest.mark.quality("storage-down")
def test_healthz_says_a_missing_bucket_is_an_error(client, own_s3):
    state = own_s3.state
    with switched(storages_on(own_s3.endpoint(), "no-such-bucket", state["access_key"],
                              state["secret_key"])):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {
        "ok": False, "error": "NoSuchBucket", "ms": response.json()["checks"]["storage"]["ms"]}


def test_healthz_is_ok_with_files_on_disk(client):
    assert client.get("/healthz").json()["checks"]["storage"]["ok"] is True
