"""Proposal pictures under /media/: served by Plaza with DEBUG on (`make run`) and off, to
whoever may open the proposal, and nothing else under /media/ (proposals/media.py)."""

from email.utils import formatdate

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.storage import private_storage
from tests.factories import claim_make, picture_make, project_make, proposal_make, role_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def picture(citizen):
    return picture_make(proposal_make(project_make(), citizen))


@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
def test_a_proposal_picture_answers_with_its_bytes(client, settings, picture, debug):
    settings.DEBUG = debug
    page = client.get(f"/proposals/{picture.proposal_id}/")
    assert picture.image.url in page.content.decode()
    assert picture.image.url.startswith("/media/proposals/")
    response = client.get(picture.image.url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    with default_storage.open(picture.image.name, "rb") as stored:
        assert body == stored.read()
    assert body.startswith(b"\xff\xd8")  # a JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Length"] == str(len(body))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=86400"
    assert "Last-Modified" in response


def test_an_unchanged_picture_answers_304(client, picture):
    first = client.get(picture.image.url)
    again = client.get(picture.image.url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304
    older = formatdate(0, usegmt=True)
    assert client.get(picture.image.url, HTTP_IF_MODIFIED_SINCE=older).status_code == 200


def test_a_picture_is_only_read_not_written(client, picture):
    assert client.post(picture.image.url).status_code == 405
    assert client.head(picture.image.url).status_code == 200


@pytest.mark.quality("media-paths")
def test_a_hidden_proposals_picture_goes_where_its_page_goes(client, picture, planner,
                                                             outsider):
    proposal = picture.proposal
    proposal.is_hidden, proposal.hidden_reason = True, "Off topic."
    proposal.save()
    assert client.get(picture.image.url).status_code == 404
    client.force_login(outsider)
    assert client.get(picture.image.url).status_code == 404
    client.force_login(planner)
    assert client.get(picture.image.url).status_code == 200
    client.force_login(proposal.author)
    assert client.get(picture.image.url).status_code == 200


@pytest.mark.quality("media-paths")
def test_a_draft_projects_picture_answers_404(client, citizen):
    picture = picture_make(proposal_make(project_make("a-draft", visibility="draft"), citizen))
    assert client.get(picture.image.url).status_code == 404


@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
@pytest.mark.quality("media-paths")
def test_nothing_else_under_media_answers(client, settings, picture, citizen, debug):
    settings.DEBUG = debug
    # A file on disk in the public folder that is no proposal's picture (a planner's
    # dataset; a stray file beside the pictures), and a picture whose file is gone.
    dataset = default_storage.save("datasets/2026/01/abc/streets.geojson",
                                   ContentFile(b'{"type": "FeatureCollection"}'))
    stray = default_storage.save(f"proposals/{picture.proposal_id}/stray.jpg",
                                 ContentFile(b"\xff\xd8 not listed"))
    gone = picture_make(proposal_make(project_make("gone"), citizen))
    default_storage.delete(gone.image.name)
    # Role evidence in the private storage, by its name and by climbing out of MEDIA_ROOT.
    claim = claim_make(citizen, role_make("resident"))
    claim.evidence_file.save("bill.pdf", ContentFile(b"%PDF-1.4 a bill"))
    evidence = claim.evidence_file.name
    folder = private_storage().location.rstrip("/").rsplit("/", 1)[-1]
    name = picture.image.name
    for path in [
        f"/media/{dataset}", f"/media/{stray}", gone.image.url,
        f"/media/{evidence}", f"/media/../{folder}/{evidence}",
        f"/media/proposals/../../{folder}/{evidence}",
        f"/media/proposals/%2e%2e/%2e%2e/{folder}/{evidence}",
        f"/media/proposals/..%2f..%2f{folder}%2f{evidence}",
        f"/media/{name.replace('/', '//')}", f"/media/./{name}",
        f"/media/{name.replace('/', '%5c')}", f"/media/{name}%00.jpg",
        "/media//etc/passwd", "/media/proposals/", "/media/proposals",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"%PDF" not in response.content and b"FeatureCollection" not in response.content
