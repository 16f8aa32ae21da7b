import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads held between preview and confirmation go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def small_stream_chunks(monkeypatch):
    """A first import streams in chunks of a few rows, so every test's files take several."""
    from recruiting.importing import read_csv

    monkeypatch.setattr(read_csv, "STREAM_CHUNK_ROWS", 3)
    monkeypatch.setattr(read_csv, "STREAM_MIN_CHUNK_ROWS", 3)
