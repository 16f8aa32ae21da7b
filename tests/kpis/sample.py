"""The sample data set (docs/data-contract.md's format, with the values the definitions give)."""

from __future__ import annotations

import csv

from django.core.management import call_command, get_commands

from tests.data import SAMPLE_DIR

KIND_FILES = [
    ("requisitions", "requisitions.csv"),
    ("applications", "applications.csv"),
    ("surveys", "surveys.csv"),
    ("quality", "quality.csv"),
    ("costs", "costs.csv"),
    ("hiring_plan", "hiring_plan.csv"),
]


def sample_files() -> list[str]:
    return [str(SAMPLE_DIR / name) for _, name in KIND_FILES]


def expected_rows() -> list[dict[str, str]]:
    with open(SAMPLE_DIR / "expected.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def import_sample(engagement) -> None:
    """Load the sample through the importer, as a user would."""
    assert "import_data" in get_commands(), "the import_data command is missing"
    call_command("import_data", "--engagement", engagement.slug, *sample_files())
