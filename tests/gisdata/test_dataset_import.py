"""`dataset_import`: the one way a dataset is registered and its import queued (the
dashboard's upload, `manage.py import_dataset`, the demo loader), all or nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from gisdata import tasks
from gisdata.imports import services
from gisdata.models import Dataset, ImportRun, ImportStatus

pytestmark = pytest.mark.django_db
POINT = (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
         b' "geometry": {"type": "Point", "coordinates": [2.17, 41.38]}}]}')


@pytest.fixture
def published(monkeypatch) -> list[int]:
    """The runs whose task left for the broker, in order."""
    sent = []
    monkeypatch.setattr(tasks.import_run, "apply_async",
                        lambda args=(), kwargs=None, **options: sent.append(args[0]))
    return sent


def test_the_dataset_and_its_run_are_saved_and_the_task_leaves_only_on_commit(
        planner, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        run = services.dataset_import(
            user=planner, name="Fountains", layers=["fountains"],
            source_file=ContentFile(POINT, name="fountains.geojson"))
        assert published == []  # not before the transaction that saved the run commits
    assert (run.status, run.layers, run.created_by) == (ImportStatus.QUEUED, ["fountains"],
                                                        planner)
    assert (run.dataset.name, run.dataset.created_by) == ("Fountains", planner)
    for callback in callbacks:
        callback()
    assert published == [run.pk]


def test_a_refused_start_leaves_no_dataset_no_run_and_no_stored_file(planner, monkeypatch):
    stored = []

    def refuse(*, dataset, **kwargs):
        stored.append((dataset.source_file.storage, dataset.source_file.name))
        raise ValidationError("refused")

    monkeypatch.setattr(services, "import_start", refuse)
    with pytest.raises(ValidationError):
        services.dataset_import(user=planner, name="Fountains",
                                source_file=ContentFile(POINT, name="fountains.geojson"))
    assert not Dataset.objects.exists() and not ImportRun.objects.exists()
    [(storage, name)] = stored
    assert name and not storage.exists(name)


def test_a_refused_dataset_is_said_and_nothing_is_queued(planner, published):
    with pytest.raises(ValidationError) as caught:
        services.dataset_import(user=planner, name="Over FTP",
                                source_url="ftp://example.org/a.zip")
    assert "Only http and https URLs" in str(caught.value)
    assert not Dataset.objects.exists() and not ImportRun.objects.exists()
    assert published == []


def test_someone_without_the_permission_stores_nothing(citizen, published):
    with pytest.raises(PermissionDenied):
        services.dataset_import(user=citizen, name="Fountains",
                                source_file=ContentFile(POINT, name="fountains.geojson"))
    assert not Dataset.objects.exists() and not ImportRun.objects.exists()


def test_the_platform_itself_imports_without_a_user(published,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.dataset_import(user=None, name="Remote",
                                      source_url="https://example.org/a.geojson")
    assert run.created_by is None and run.dataset.source_url == "https://example.org/a.geojson"
    assert published == [run.pk]
