"""Every rule of the data contract's section 1, each with a breaking file, and the upsert rules."""

import pandas as pd
import pytest

from recruiting.importing import read_csv, validate
from recruiting.models import (
    Application,
    Cost,
    HiringPlanLine,
    ImportRun,
    ImportStatus,
    QualityReview,
    Requisition,
    Survey,
)
from recruiting.services import files_import, records_import
from tests.kpis.freshness import data_changed_at
from tests.recruiting.helpers import (
    APPLICATION_HEADER,
    csv_bytes,
    import_bytes,
    only_error,
    reasons,
    requisitions,
)

pytestmark = pytest.mark.django_db


def applications(engagement, *lines: str):
    return import_bytes(engagement, csv_bytes(APPLICATION_HEADER, *lines), "applications.csv")


@pytest.fixture
def requisition(engagement):
    assert requisitions(engagement, "R1,Engineer,2025-01-10").ok
    return Requisition.objects.get(engagement=engagement, external_id="R1")


# --- Header -------------------------------------------------------------------------------------


def test_column_names_are_case_insensitive_and_defaults_apply(engagement):
    data = csv_bytes("External_ID,TITLE,Opened_On", "R1,Engineer,2025-01-10")
    result = import_bytes(engagement, data, "requisitions.csv")
    assert result.ok, result.errors
    requisition = Requisition.objects.get(engagement=engagement)
    assert (requisition.priority, requisition.openings, requisition.on_hold_days) == (
        "normal",
        1,
        0,
    )
    assert requisition.department == "" and requisition.filled_on is None


def test_unknown_column_is_an_error_not_dropped(engagement):
    data = csv_bytes("external_id,title,opened_on,salary", "R1,Engineer,2025-01-10,100")
    row, column, reason = only_error(import_bytes(engagement, data, "requisitions.csv"))
    assert (row, column) == (1, "salary")
    assert "Unknown column" in reason
    assert not Requisition.objects.exists()


def test_missing_required_column(engagement):
    data = csv_bytes("external_id,title", "R1,Engineer")
    assert only_error(import_bytes(engagement, data, "requisitions.csv"))[:2] == (1, "opened_on")


def test_repeated_column(engagement):
    data = csv_bytes("external_id,title,opened_on,Title", "R1,Engineer,2025-01-10,x")
    result = import_bytes(engagement, data, "requisitions.csv")
    assert (1, "title", "This column appears more than once in the header.") in reasons(result)


# --- Types ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("opened_on", "2025-02-30", "Not a valid date: expected YYYY-MM-DD."),
        ("opened_on", "10/01/2025", "Not a valid date: expected YYYY-MM-DD."),
        ("opened_on", "2025-1-10", "Not a valid date: expected YYYY-MM-DD."),
        ("openings", "two", "Not a whole number."),
        ("openings", "1.5", "Not a whole number."),
        ("openings", "0", "Must be at least 1."),
        ("on_hold_days", "-3", "Must be at least 0."),
        ("priority", "urgent", "Must be one of: low, normal, high, critical."),
        ("hiring_manager", "not-an-email", "Not an e-mail address."),
    ],
)
def test_requisition_types(engagement, column, value, reason):
    data = csv_bytes(
        f"external_id,title,opened_on,{column}".replace(",opened_on,opened_on", ",opened_on"),
        "R1,Engineer,2025-01-10" + ("" if column == "opened_on" else f",{value}"),
    )
    if column == "opened_on":
        data = csv_bytes("external_id,title,opened_on", f"R1,Engineer,{value}")
    assert only_error(import_bytes(engagement, data, "requisitions.csv")) == (2, column, reason)


def test_external_id_length(engagement):
    result = requisitions(engagement, f"{'x' * 101},Engineer,2025-01-10")
    assert only_error(result) == (2, "external_id", "At most 100 characters.")


def test_required_cell_blank(engagement):
    assert only_error(requisitions(engagement, "R1,,2025-01-10"))[:2] == (2, "title")


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("true", True),
        ("YES", True),
        ("1", True),
        ("false", False),
        ("no", False),
        ("0", False),
        ("", None),
    ],
)
def test_booleans(engagement, requisition, value, stored):
    data = csv_bytes(
        "external_id,requisition_id,candidate_id,source,applied_on,diverse",
        f"A1,R1,C1,referral,2025-01-11,{value}",
    )
    assert import_bytes(engagement, data, "applications.csv").ok
    assert Application.objects.get(engagement=engagement).diverse is stored


def test_boolean_rejects_other_words(engagement, requisition):
    data = csv_bytes(
        "external_id,requisition_id,candidate_id,source,applied_on,diverse",
        "A1,R1,C1,referral,2025-01-11,maybe",
    )
    result = import_bytes(engagement, data, "applications.csv")
    assert only_error(result) == (2, "diverse", "Not a boolean: use true/false, yes/no or 1/0.")


@pytest.mark.parametrize(
    ("line", "column", "reason"),
    [
        ("K1,2025-13,advertising,10", "month", "Not a valid month: expected YYYY-MM."),
        ("K1,2025-01-01,advertising,10", "month", "Not a valid month: expected YYYY-MM."),
        ("K1,2025-01,marketing,10", "category", None),
        ("K1,2025-01,advertising,-1", "amount", "Must be at least 0."),
        ("K1,2025-01,advertising,1.234", "amount", "At most 2 decimal places."),
        ("K1,2025-01,advertising,12abc", "amount", "Not a decimal number (e.g. 1234.50)."),
    ],
)
def test_cost_rules(engagement, line, column, reason):
    data = csv_bytes("external_id,month,category,amount", line)
    row, got_column, got_reason = only_error(import_bytes(engagement, data, "costs.csv"))
    assert (row, got_column) == (2, column)
    assert reason is None or got_reason == reason


def test_costs_and_plan_import(engagement):
    costs = csv_bytes("external_id,month,category,amount,note", "K1,2025-01,rpo_fees,1234.5,fee")
    assert import_bytes(engagement, costs, "costs.csv").ok
    cost = Cost.objects.get(engagement=engagement)
    assert (str(cost.month), str(cost.amount)) == ("2025-01-01", "1234.50")
    plan = csv_bytes("month,department,planned_hires", "2025-01,Sales,4", "2025-01,,10")
    assert import_bytes(engagement, plan, "hiring_plan.csv").ok
    assert HiringPlanLine.objects.filter(engagement=engagement).count() == 2
    again = csv_bytes("month,department,planned_hires", "2025-01,Sales,5", "2025-01,,10")
    result = import_bytes(engagement, again, "hiring_plan.csv")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)


def test_hiring_plan_key_duplicates_and_range(engagement):
    plan = csv_bytes(
        "month,department,location,job_family,planned_hires",
        "2025-01,Sales,,,4",
        "2025-01,Sales,,,5",
        "2025-02,,,,-1",
    )
    result = import_bytes(engagement, plan, "hiring_plan.csv")
    assert reasons(result) == [
        (3, "month", "Duplicate: the same month, department, location and job_family as row 2."),
        (4, "planned_hires", "Must be at least 0."),
    ]


# --- Row rules --------------------------------------------------------------------------------


def test_requisition_date_rules(engagement):
    data = csv_bytes(
        "external_id,title,opened_on,filled_on,cancelled_on",
        "R1,A,2025-01-10,2025-01-09,",
        "R2,B,2025-01-10,,2025-01-01",
        "R3,C,2025-01-10,2025-02-01,2025-02-01",
    )
    assert reasons(import_bytes(engagement, data, "requisitions.csv")) == [
        (2, "filled_on", "Must be on or after opened_on."),
        (3, "cancelled_on", "Must be on or after opened_on."),
        (4, "cancelled_on", "A requisition cannot be both filled and cancelled."),
    ]


@pytest.mark.parametrize(
    ("line", "column", "reason"),
    [
        (
            "2025-01-09,,,,,",
            "screened_on",
            "Must be on or after applied_on and every earlier stage given.",
        ),
        (
            "2025-01-12,2025-01-11,,,,",
            "interviewed_on",
            "Must be on or after applied_on and every earlier stage given.",
        ),
        (
            ",2025-01-13,2025-01-12,,,",
            "offered_on",
            "Must be on or after applied_on and every earlier stage given.",
        ),
        (",,,accepted,2025-01-20,", "offer_outcome", "Needs offered_on."),
        (",,2025-01-12,accepted,,", "offer_decided_on", "Required when offer_outcome is given."),
        (",,2025-01-12,,2025-01-20,", "offer_decided_on", "Needs offer_outcome."),
        (
            ",,2025-01-12,declined,2025-01-11,",
            "offer_decided_on",
            "Must be on or after offered_on.",
        ),
        (
            ",,2025-01-12,declined,2025-01-13,2025-02-01",
            "started_on",
            "A start date needs offer_outcome accepted.",
        ),
        (
            ",,2025-01-12,accepted,2025-01-13,2025-01-12",
            "started_on",
            "Must be on or after offer_decided_on.",
        ),
        (",,2025-01-12,maybe,2025-01-13,", "offer_outcome", "Must be one of: accepted, declined."),
    ],
)
def test_application_stage_order(engagement, requisition, line, column, reason):
    result = applications(engagement, f"A1,R1,C1,referral,2025-01-10,{line}")
    assert (2, column, reason) in reasons(result)
    assert not Application.objects.exists()


def test_rejected_and_withdrawn_after_applied(engagement, requisition):
    data = csv_bytes(
        "external_id,requisition_id,candidate_id,source,applied_on,rejected_on,withdrawn_on",
        "A1,R1,C1,referral,2025-01-10,2025-01-09,2025-01-08",
    )
    assert reasons(import_bytes(engagement, data, "applications.csv")) == [
        (2, "rejected_on", "Must be on or after applied_on."),
        (2, "withdrawn_on", "Must be on or after applied_on."),
    ]


def test_survey_score_scale_depends_on_respondent(engagement, requisition):
    data = csv_bytes(
        "external_id,respondent,requisition_id,responded_on,score",
        "S1,candidate,R1,2025-02-01,0",
        "S2,candidate,R1,2025-02-01,10",
        "S3,candidate,R1,2025-02-01,11",
        "S4,hiring_manager,R1,2025-02-01,0",
        "S5,hiring_manager,R1,2025-02-01,6",
        "S6,hiring_manager,,2025-02-01,5",
        "S7,client,,2025-02-01,5",
    )
    assert reasons(import_bytes(engagement, data, "surveys.csv")) == [
        (4, "score", "Must be from 0 to 10."),
        (5, "score", "A hiring manager's score is from 1 to 5."),
        (6, "score", "A hiring manager's score is from 1 to 5."),
        (8, "respondent", "Must be one of: candidate, hiring_manager."),
    ]
    assert not Survey.objects.exists()


# --- References ---------------------------------------------------------------------------------


def test_reference_to_a_missing_requisition(engagement):
    result = applications(engagement, "A1,R404,C1,referral,2025-01-10,,,,,,")
    assert only_error(result) == (2, "requisition_id", "No requisition 'R404' in this engagement.")


def test_reference_to_another_engagements_requisition(engagement, other_engagement):
    assert requisitions(other_engagement, "R1,Engineer,2025-01-10").ok
    result = applications(engagement, "A1,R1,C1,referral,2025-01-10,,,,,,")
    assert only_error(result) == (2, "requisition_id", "No requisition 'R1' in this engagement.")
    assert not Application.objects.exists()


def test_references_resolve_within_one_upload(engagement):
    results = files_import(
        actor=None,
        engagement=engagement,
        files=[
            (
                "applications.csv",
                csv_bytes(APPLICATION_HEADER, "A1,R1,C1,referral,2025-01-10,,,,,,"),
                None,
            ),
            (
                "requisitions.csv",
                csv_bytes("external_id,title,opened_on", "R1,Engineer,2025-01-10"),
                None,
            ),
        ],
    )
    assert all(r.ok for r in results), [r.errors for r in results]
    assert [r.kind for r in results] == ["requisitions", "applications"]
    application = Application.objects.select_related("requisition").get(engagement=engagement)
    assert application.requisition.external_id == "R1"
    assert application.requisition.engagement_id == engagement.pk


def test_multi_file_upload_is_all_or_nothing(engagement):
    results = files_import(
        actor=None,
        engagement=engagement,
        files=[
            (
                "requisitions.csv",
                csv_bytes("external_id,title,opened_on", "R1,Engineer,2025-01-10"),
                None,
            ),
            (
                "applications.csv",
                csv_bytes(APPLICATION_HEADER, "A1,R1,C1,nowhere,2025-01-10,,,,,,"),
                None,
            ),
        ],
    )
    assert not any(r.ok for r in results)
    assert results[0].errors[0]["reason"] == "Not imported: another file of this import has errors."
    assert not Requisition.objects.exists()
    assert ImportRun.objects.filter(status=ImportStatus.FAILED).count() == 2


def test_quality_review_needs_a_hire(engagement, requisition):
    assert applications(
        engagement,
        "A1,R1,C1,referral,2025-01-10,,,2025-01-12,accepted,2025-01-13,2025-02-01",
        "A2,R1,C2,referral,2025-01-10,,,,,,",
    ).ok
    data = csv_bytes(
        "external_id,application_id,reviewed_on,meets_expectations,rating",
        "Q1,A1,2025-05-01,true,5",
        "Q2,A2,2025-05-01,true,4",
        "Q3,A3,2025-05-01,false,",
        "Q4,A1,2025-05-01,yes,6",
    )
    assert reasons(import_bytes(engagement, data, "quality.csv")) == [
        (3, "application_id", "The application is not a hire (it has no started_on)."),
        (4, "application_id", "No application 'A3' in this engagement."),
        (5, "rating", "Must be from 1 to 5."),
    ]
    assert not QualityReview.objects.exists()


def test_duplicate_ids_within_a_file(engagement):
    result = requisitions(engagement, "R1,A,2025-01-10", "R2,B,2025-01-10", "R1,C,2025-01-11")
    assert only_error(result) == (4, "external_id", "Duplicate: the same external_id as row 2.")


@pytest.mark.parametrize(
    ("ids", "distinct"),
    [
        (["R1", "R2", "R3"], True),  # sorted: the neighbours tell
        (["R3", "R1", None, "R2", None], True),  # blanks are not ids
        (["R3", "R1", "R2", "R1"], False),
        (["R1", "R1"], False),
        (["R1", "r1", "R1 "], True),
    ],
)
def test_duplicate_check_of_ids(ids, distinct):
    assert validate._all_distinct(pd.Series(ids, dtype=read_csv.TEXT)) is distinct


# --- Upserts -----------------------------------------------------------------------------------


def test_reimport_changes_nothing_and_updates_only_changed_rows(engagement):
    lines = ["R1,Engineer,2025-01-10", "R2,Analyst,2025-01-11"]
    first = requisitions(engagement, *lines)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    stamps = dict(Requisition.objects.values_list("external_id", "updated_at"))
    second = requisitions(engagement, *lines)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert dict(Requisition.objects.values_list("external_id", "updated_at")) == stamps
    third = requisitions(
        engagement, "R1,Engineer II,2025-01-10", "R2,Analyst,2025-01-11", "R3,X,2025-01-12"
    )
    assert (third.created, third.updated, third.unchanged) == (1, 1, 1)
    assert Requisition.objects.get(external_id="R2").updated_at == stamps["R2"]
    assert Requisition.objects.get(external_id="R1").title == "Engineer II"


def test_same_ids_in_two_engagements_are_two_records(engagement, other_engagement):
    assert requisitions(engagement, "R1,Engineer,2025-01-10").ok
    assert requisitions(other_engagement, "R1,Analyst,2025-01-10").ok
    assert Requisition.objects.filter(external_id="R1").count() == 2


def test_import_marks_data_changed_only_when_something_changed(engagement):
    assert data_changed_at(engagement) is None
    requisitions(engagement, "R1,Engineer,2025-01-10")
    changed = data_changed_at(engagement)
    assert changed is not None
    requisitions(engagement, "R1,Engineer,2025-01-10")
    assert data_changed_at(engagement) == changed


def test_import_run_records_the_history(engagement, account_manager):
    result = import_bytes(
        engagement,
        csv_bytes("external_id,title,opened_on", "R1,Engineer,2025-01-10"),
        "requisitions.csv",
        actor=account_manager,
    )
    run = result.run
    assert (run.user, run.actor_label, run.kind, run.source, run.status) == (
        account_manager,
        account_manager.email,
        "requisitions",
        "web",
        ImportStatus.SUCCEEDED,
    )
    assert (run.rows, run.created, run.progress) == (1, 1, 100)
    assert run.duration is not None and run.finished_at is not None
    bad = requisitions(engagement, "R1,,2025-01-10")
    assert bad.run.status == ImportStatus.FAILED and bad.run.errors == bad.errors


# --- Records (the API's path) ----------------------------------------------------------------


def test_records_import_with_index_and_field(engagement):
    result = records_import(
        actor=None,
        engagement=engagement,
        kind="requisitions",
        rows=[
            {"external_id": "R1", "title": "Engineer", "opened_on": "2025-01-10", "openings": 2},
            {"external_id": "R2", "title": "Analyst", "opened_on": "2025-13-01"},
            {"external_id": "R3", "title": ["x"], "opened_on": "2025-01-10"},
            "not a record",
        ],
        source="api",
    )
    assert not result.ok
    assert reasons(result) == [
        (1, "opened_on", "Not a valid date: expected YYYY-MM-DD."),
        (2, "title", "Must be a string, number, boolean or null."),
        (2, "title", "Required: this cell is blank."),
        (3, None, "Each record must be an object of column: value."),
    ]
    assert not Requisition.objects.exists()
    ok = records_import(
        actor=None,
        engagement=engagement,
        kind="requisitions",
        rows=[{"External_ID": "R1", "title": "Engineer", "opened_on": "2025-01-10", "openings": 2}],
        source="api",
    )
    assert ok.ok and ok.created == 1
    assert Requisition.objects.get().openings == 2


def test_records_import_unknown_field(engagement):
    result = records_import(
        actor=None,
        engagement=engagement,
        kind="costs",
        rows=[{"external_id": "K1", "month": "2025-01", "category": "travel", "amount": 5, "x": 1}],
        source="api",
    )
    assert reasons(result) == [(None, "x", result.errors[0]["reason"])]


def test_reimport_of_values_written_differently_is_unchanged(engagement):
    """`1234.5` is stored as 1234.50 and text with quotes and newlines round-trips."""
    data = csv_bytes(
        "external_id,month,category,amount,note",
        'K1,2025-01,rpo_fees,1234.5,"a ""quoted"", note\nover two lines"',
        "K2,2025-01,travel,7,",
    )
    first = import_bytes(engagement, data, "costs.csv")
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    again = import_bytes(engagement, data, "costs.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = data.replace(b"7,", b"8,")
    last = import_bytes(engagement, changed, "costs.csv")
    assert (last.created, last.updated, last.unchanged) == (0, 1, 1)
    assert str(Cost.objects.get(external_id="K2").amount) == "8.00"


def test_nameless_empty_columns_are_ignored_but_nameless_values_are_not(engagement):
    trailing = csv_bytes("external_id,title,opened_on,,", "R1,Engineer,2025-01-10,,")
    assert import_bytes(engagement, trailing, "requisitions.csv").ok
    valued = csv_bytes("external_id,title,opened_on,", "R2,Engineer,2025-01-10,x")
    result = import_bytes(engagement, valued, "requisitions.csv")
    assert only_error(result) == (1, None, "Column 4 has no name in the header row.")
