import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads held between preview and confirmation go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
