"""The three ways rows reach the tables store the same records.

An engagement's first import of a kind is COPYed straight into the table: streamed in chunks
while it is validated when it is one file, in one piece when several files are imported
together. Later imports go through a temporary table and an upsert. Re-imports skip rows
whose stored record is the same.
"""

import csv
import io

import pytest
from django.db import connection

from recruiting import contract, importing
from recruiting.importing import reference, write
from recruiting.services import file_import, files_import
from tests.recruiting.helpers import SAMPLE, SAMPLE_FILES, csv_bytes

pytestmark = pytest.mark.django_db

# One record of each kind, so that the sample's files then take the upsert path.
SEED = {
    "requisitions.csv": ("external_id,title,opened_on", "SEED-R,Seed,2025-01-02"),
    "applications.csv": (
        "external_id,requisition_id,candidate_id,source,applied_on,offered_on,offer_outcome,"
        "offer_decided_on,started_on",
        "SEED-A,SEED-R,SEED-C,other,2025-01-03,2025-01-04,accepted,2025-01-05,2025-01-06",
    ),
    "surveys.csv": ("external_id,respondent,responded_on,score", "SEED-S,candidate,2025-01-07,9"),
    "quality.csv": (
        "external_id,application_id,reviewed_on,meets_expectations",
        "SEED-Q,SEED-A,2025-04-01,true",
    ),
    "costs.csv": ("external_id,month,category,amount", "SEED-K,2024-12,travel,1"),
    "hiring_plan.csv": ("month,planned_hires", "2024-12,1"),
}


def stored(engagement) -> dict[str, list[tuple]]:
    """The engagement's records in the file's columns, references as the ids they name."""
    records = {}
    for name, kind in contract.KINDS.items():
        if name == "market_benchmarks":  # not in the ATS sample; tests/recruiting/test_market_*
            continue
        fields = [
            f"{c.name.removesuffix('_id')}__external_id" if c.type == "ref" else c.name
            for c in kind.columns
        ]
        rows = kind.model.objects.filter(engagement=engagement).values_list(*fields)
        records[name] = sorted(
            (row for row in rows if not str(row[0]).startswith(("SEED", "2024-12"))), key=str
        )
    return records


def sample_import(engagement):
    results = files_import(
        actor=None, engagement=engagement, files=[(n, SAMPLE / n, None) for n in SAMPLE_FILES]
    )
    assert all(r.ok for r in results), [r.errors[:3] for r in results]
    return results


def test_first_import_copy_and_upsert_store_the_same_records(engagement, other_engagement):
    copied = sample_import(engagement)
    assert all(r.created == r.rows for r in copied)

    seeded = files_import(
        actor=None,
        engagement=other_engagement,
        files=[(name, csv_bytes(*lines), None) for name, lines in SEED.items()],
    )
    assert all(r.ok and r.created == 1 for r in seeded), [r.errors for r in seeded]
    upserted = sample_import(other_engagement)
    assert [r.created for r in upserted] == [r.created for r in copied]

    assert stored(engagement) == stored(other_engagement)
    assert all(stored(engagement).values())


def test_streamed_first_import_and_upsert_store_the_same_records(
    engagement, other_engagement, monkeypatch
):
    def not_streamed(*args):
        raise AssertionError("a first import of one file streams")

    with monkeypatch.context() as patched:
        patched.setattr(importing, "frame_write", not_streamed)
        for name in SAMPLE_FILES:
            result = file_import(
                actor=None, engagement=engagement, file=SAMPLE / name, file_name=name
            )
            assert result.ok and result.created == result.rows, result.errors[:3]

    seeded = files_import(
        actor=None,
        engagement=other_engagement,
        files=[(name, csv_bytes(*lines), None) for name, lines in SEED.items()],
    )
    assert all(r.ok for r in seeded)
    sample_import(other_engagement)
    assert stored(engagement) == stored(other_engagement)
    assert all(stored(engagement).values())


def unchanged_rows(engagement, name: str, data: bytes) -> list[bool]:
    """What the re-import's comparison says of each row of a file, without writing it."""
    table = importing.table_from_bytes(data, name)
    kind = contract.kind_from_file_name(name)
    validated = importing.table_validate(kind, table)
    assert not table.errors, table.errors.sorted()
    with connection.cursor() as cursor:
        stored = {
            c.ref: reference.stored_keys(c.ref, engagement.pk, cursor)
            for c in validated.kind.ref_columns
        }
        ref_ids = reference.refs_as_ids(validated, stored)
        rows = write.stored_rows(validated, engagement.pk, ref_ids)
        return write._unchanged(validated.kind, rows, engagement.pk, cursor).to_pylist()


def changed_cells(name: str, changes: dict[int, dict[str, str]]) -> bytes:
    """The sample file with some cells changed: {data row index: {column: new text}}."""
    with open(SAMPLE / name, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for index, cells in changes.items():
        rows[index].update(cells)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        # A reference to another record, a date blanked, a blank date given, a flag given.
        (
            "applications.csv",
            {
                0: {"requisition_id": "R-00001"},
                1: {"screened_on": ""},
                2: {"rejected_on": "2025-12-01"},
                3: {"diverse": "true"},
            },
        ),
        ("requisitions.csv", {5: {"title": "Role 5 (renamed)"}, 6: {"recruiter": ""}}),
        ("hiring_plan.csv", {2: {"planned_hires": "99"}}),  # keyed by month and segment
        ("costs.csv", {}),
    ],
)
def test_reimport_compare_finds_exactly_the_changed_rows(engagement, name, changes):
    sample_import(engagement)
    same = unchanged_rows(engagement, name, changed_cells(name, changes))
    assert [i for i, s in enumerate(same) if not s] == sorted(changes)
