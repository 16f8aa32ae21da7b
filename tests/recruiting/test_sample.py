"""The shared sample data set goes through the importer and the command with exact counts."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from recruiting import contract
from recruiting.models import ImportRun, ImportSource, ImportStatus
from recruiting.services import files_import
from tests.recruiting.helpers import SAMPLE, SAMPLE_FILES

pytestmark = pytest.mark.django_db


def data_rows(name: str) -> int:
    with open(SAMPLE / name, newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def test_sample_counts_are_what_the_files_hold():
    assert [data_rows(n) for n in SAMPLE_FILES] == [60, 359, 128, 27, 36, 27]


def test_sample_loads_through_the_importer(engagement):
    results = files_import(
        actor=None,
        engagement=engagement,
        files=[(name, SAMPLE / name, None) for name in SAMPLE_FILES],
    )
    assert all(r.ok for r in results), [r.errors for r in results]
    counts = {r.kind: (r.rows, r.created) for r in results}
    assert counts == {
        "requisitions": (60, 60),
        "applications": (359, 359),
        "surveys": (128, 128),
        "quality": (27, 27),
        "costs": (36, 36),
        "hiring_plan": (27, 27),
    }
    for name in SAMPLE_FILES:
        kind = contract.kind_from_file_name(name)
        model = contract.KINDS[kind].model
        assert model.objects.filter(engagement=engagement).count() == data_rows(name)

    again = files_import(
        actor=None,
        engagement=engagement,
        files=[(name, SAMPLE / name, None) for name in SAMPLE_FILES],
    )
    assert [(r.created, r.updated, r.unchanged) for r in again] == [
        (0, 0, data_rows(name)) for name in SAMPLE_FILES
    ]


def test_import_data_command(engagement):
    out = io.StringIO()
    call_command(
        "import_data",
        "--engagement",
        engagement.slug,
        *[str(SAMPLE / name) for name in reversed(SAMPLE_FILES)],
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "requisitions.csv: requisitions, 60 rows: 60 created, 0 updated, 0 unchanged"
    assert lines[1].startswith("applications.csv: applications, 359 rows: 359 created")
    assert len(lines) == 6
    runs = ImportRun.objects.filter(engagement=engagement)
    assert runs.count() == 6
    assert set(runs.values_list("source", "status", "actor_label")) == {
        (ImportSource.COMMAND, ImportStatus.SUCCEEDED, "command line")
    }

    out = io.StringIO()
    call_command(
        "import_data", "--engagement", engagement.slug, str(SAMPLE / "costs.csv"), stdout=out
    )
    assert out.getvalue().strip() == "costs.csv: costs, 36 rows: 0 created, 0 updated, 36 unchanged"


def test_import_data_command_prints_every_error_and_fails(engagement, tmp_path):
    bad = tmp_path / "reqs.csv"
    bad.write_text("external_id,title,opened_on\nR1,,2025-01-10\nR2,B,later\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 2 errors"):
        call_command(
            "import_data",
            "--engagement",
            engagement.slug,
            "--kind",
            "requisitions",
            str(bad),
            stderr=err,
        )
    assert err.getvalue().splitlines() == [
        "reqs.csv: row 2, column title: Required: this cell is blank.",
        "reqs.csv: row 3, column opened_on: Not a valid date: expected YYYY-MM-DD.",
    ]


def test_import_data_command_errors(engagement, tmp_path):
    with pytest.raises(CommandError, match="No engagement"):
        call_command("import_data", "--engagement", "nope", str(SAMPLE / "costs.csv"))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_data", "--engagement", engagement.slug, str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="--kind applies to one file"):
        call_command(
            "import_data",
            "--engagement",
            engagement.slug,
            "--kind",
            "costs",
            str(SAMPLE / "costs.csv"),
            str(SAMPLE / "quality.csv"),
        )


def test_import_data_dry_run_writes_nothing(engagement):
    out = io.StringIO()
    call_command(
        "import_data",
        "--engagement",
        engagement.slug,
        "--dry-run",
        str(SAMPLE / "costs.csv"),
        stdout=out,
    )
    assert "36 created" in out.getvalue()
    assert not contract.KINDS["costs"].model.objects.exists()
