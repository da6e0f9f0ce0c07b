"""Production collects static files into a manifest (hashed names, every reference resolved):
a vendored file that points at a file we did not vendor (a source map) stops the deploy."""

from django.core.management import call_command
from django.test import override_settings


def test_every_static_file_collects_into_the_production_manifest(tmp_path, settings):
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    with override_settings(STORAGES=storages, STATIC_ROOT=str(tmp_path)):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/leaflet/leaflet.*.js"))
