"""Static files collect as in production: every file a stylesheet or script refers to exists."""

import pytest
from django.core.management import call_command


def test_collectstatic_with_the_production_storage(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    # The manifest storage follows url(...) and sourceMappingURL references and fails
    # on a missing file, as `make run` and a deployment would.
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/leaflet-geoman/leaflet-geoman.min.*.js"))


@pytest.mark.parametrize("folder", ["leaflet-geoman", "leaflet.markercluster",
                                    "leaflet.vectorgrid"])
def test_vendored_libraries_carry_their_licence(folder):
    from django.conf import settings

    vendor = settings.BASE_DIR / "static" / "vendor" / folder
    assert any(p.name.upper().startswith(("LICENSE", "MIT-LICENCE")) for p in vendor.iterdir())
