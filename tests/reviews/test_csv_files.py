"""One CSV dialect for every export: UTF-8 with a byte-order mark, CRLF, RFC 4180 quoting."""

import csv
import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from reviews.qbr.services import qbr_pack_build_now
from rpo_portal.csv_files import csv_text
from tests.reviews.conftest import QUARTER


def assert_dialect(data: bytes) -> list[list[str]]:
    """The bytes are the one dialect, byte for byte; returns the rows as a reader reads them."""
    assert data.startswith(b"\xef\xbb\xbf"), data[:20]
    text = data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert text.endswith("\r\n")
    assert csv_text(rows) == text  # CRLF after every record, RFC 4180 quoting
    return rows


def test_the_dialect_quotes_as_rfc_4180_and_neutralises_formulas():
    text = csv_text([["a", 'say "hi"', "one, two", "line\nbreak", "=1+2", -2.5, None]])
    assert text == '\ufeffa,"say ""hi""","one, two","line\nbreak",\'=1+2,-2.5,\r\n'


@pytest.mark.django_db
def test_export_sla_and_export_metrics_write_the_one_dialect(qbr_engagement):
    for command, extra in (
        ("export_sla", ("--table", "ledger", "--format", "csv")),
        ("export_metrics", ("--format", "csv")),
    ):
        out = io.StringIO()
        call_command(command, "--engagement", qbr_engagement.slug, *extra, stdout=out)
        rows = assert_dialect(out.getvalue().encode("utf-8"))
        assert len(rows) > 1, command


@pytest.mark.django_db
def test_the_audit_csv_and_the_packs_csv_files_write_the_one_dialect(
    login, qbr_engagement, hr_lead
):
    response = login(hr_lead).get(reverse("engagements:audit_export", args=[qbr_engagement.pk]))
    assert len(assert_dialect(b"".join(response.streaming_content))) > 1

    _, data = qbr_pack_build_now(
        engagement=qbr_engagement, quarter=QUARTER, fmt="csv", generated_by="x"
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in archive.namelist():
        if name.endswith(".csv"):
            assert_dialect(archive.read(name))
