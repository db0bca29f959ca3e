"""`dataset_import`: the one way a dataset is registered and its import queued (the
dashboard's upload, `manage.py import_dataset`, the demo loader), all or nothing; and
`import_retry`, which imports a failed run's dataset again with an EPSG code."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from gisdata import tasks
from gisdata.imports import services
from gisdata.models import Dataset, ImportRun, ImportStatus
from tests.factories import user_make

pytestmark = pytest.mark.django_db
POINT = (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
         b' "geometry": {"type": "Point", "coordinates": [2.17, 41.38]}}]}')


@pytest.fixture
def published(monkeypatch) -> list[int]:
    """The runs whose task left for the broker, in order."""
    sent = []
    monkeypatch.setattr(tasks.import_run_execute_task, "apply_async",
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


@pytest.fixture
def failed(db) -> ImportRun:
    dataset = Dataset.objects.create(name="Parcels", slug="parcels",
                                     source_url="https://example.org/parcels.zip")
    return ImportRun.objects.create(dataset=dataset, layers=["parcels"],
                                    status=ImportStatus.FAILED,
                                    message="The layer parcels does not say its CRS.")


def test_a_retry_saves_the_epsg_code_and_queues_the_same_layers(planner, failed, published):
    again = services.import_retry(run=failed, user=planner, source_srid=25831)
    assert (again.status, again.layers, again.dataset_id) == (
        ImportStatus.QUEUED, ["parcels"], failed.dataset_id)
    assert Dataset.objects.get(pk=failed.dataset_id).source_srid == 25831


def test_a_retry_that_cannot_start_keeps_the_old_epsg_code(planner, failed, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError("refused")

    monkeypatch.setattr(services, "import_start", refuse)
    with pytest.raises(ValidationError):
        services.import_retry(run=failed, user=planner, source_srid=25831)
    assert Dataset.objects.get(pk=failed.dataset_id).source_srid is None


def test_a_retry_needs_the_right_to_change_the_dataset(failed, published):
    importer = user_make("importer")
    importer.user_permissions.add(Permission.objects.get(codename="import_dataset"))
    with pytest.raises(PermissionDenied):
        services.import_retry(run=failed, user=importer, source_srid=25831)
    assert Dataset.objects.get(pk=failed.dataset_id).source_srid is None
    assert ImportRun.objects.count() == 1
