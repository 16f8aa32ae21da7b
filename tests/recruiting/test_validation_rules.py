"""One test per import-validation rule that mutation testing found unpinned
(`recruiting.importing.validate`), on files and records validated without a database."""

from recruiting.importing import table_validate
from recruiting.importing.read import table_from_bytes, table_from_records
from tests.recruiting.helpers import APPLICATION_HEADER, REQUISITION_HEADER, csv_bytes


def errors_of(kind, data: bytes):
    table = table_from_bytes(data, f"{kind}.csv")
    table_validate(kind, table)
    return table.errors.sorted()


def record_errors(kind, records):
    table = table_from_records(records)
    table_validate(kind, table)
    return table.errors.sorted()


def application_row(external_id, **dates):
    stages = ["applied_on", "screened_on", "interviewed_on", "offered_on"]
    cells = [dates.get(stage, "") for stage in stages]
    return f"{external_id},r1,c{external_id},referral,{','.join(cells)},,,"


def test_a_row_with_only_its_first_cell_blank_is_a_record_with_an_error_not_dropped():
    errors = errors_of("requisitions", csv_bytes(REQUISITION_HEADER, ",Engineer,2025-01-02"))
    assert errors == [(2, "external_id", "Required: this cell is blank.")]


def test_a_row_with_every_cell_blank_is_not_a_record():
    data = csv_bytes(REQUISITION_HEADER, "r1,Engineer,2025-01-02", ",,", "r2,Analyst,2025-01-03")
    assert errors_of("requisitions", data) == []


def test_a_stage_date_is_compared_with_the_last_stage_given_before_it_across_a_blank_one():
    row = application_row(
        "a1", applied_on="2025-01-01", screened_on="2025-01-10", offered_on="2025-01-05"
    )
    errors = errors_of("applications", csv_bytes(APPLICATION_HEADER, row))
    assert errors == [
        (2, "offered_on", "Must be on or after applied_on and every earlier stage given.")
    ]


def test_stage_dates_on_the_same_day_are_in_order_one_day_earlier_is_not():
    same_day = application_row("a1", applied_on="2025-01-10", screened_on="2025-01-10")
    earlier = application_row("a2", applied_on="2025-01-10", screened_on="2025-01-09")
    errors = errors_of("applications", csv_bytes(APPLICATION_HEADER, same_day, earlier))
    assert errors == [
        (3, "screened_on", "Must be on or after applied_on and every earlier stage given.")
    ]


def test_a_requisition_filled_on_the_day_it_opened_is_valid_the_day_before_is_not():
    header = "external_id,title,opened_on,filled_on"
    data = csv_bytes(header, "r1,A,2025-01-10,2025-01-10", "r2,B,2025-01-10,2025-01-09")
    [(row, column, _reason)] = errors_of("requisitions", data)
    assert (row, column) == (3, "filled_on")


def test_a_hiring_plan_row_is_a_duplicate_only_when_all_four_keys_match():
    header = "month,department,location,job_family,planned_hires"
    data = csv_bytes(
        header,
        "2025-01,Sales,Berlin,Software,2",
        "2025-01,Sales,Berlin,Finance,2",  # another job family: not a duplicate
        "2025-01,Sales,Munich,Software,2",  # another location
        "2025-01,Sales,Berlin,Software,3",  # all four the same as row 2
    )
    assert errors_of("hiring_plan", data) == [
        (5, "month", "Duplicate: the same month, department, location and job_family as row 2.")
    ]


def test_blank_ids_are_reported_as_blank_never_as_duplicates_of_each_other():
    data = csv_bytes(REQUISITION_HEADER, ",A,2025-01-02", ",B,2025-01-03", "r1,C,2025-01-04")
    errors = errors_of("requisitions", data)
    assert [reason for _, _, reason in errors] == ["Required: this cell is blank."] * 2


def test_a_repeated_id_names_the_row_it_repeats():
    data = csv_bytes(REQUISITION_HEADER, "r1,A,2025-01-02", "r2,B,2025-01-02", "r1,C,2025-01-03")
    assert errors_of("requisitions", data) == [
        (4, "external_id", "Duplicate: the same external_id as row 2.")
    ]


def test_a_repeated_id_in_api_records_names_the_record_by_its_index():
    records = [
        {"external_id": "r1", "title": "A", "opened_on": "2025-01-02"},
        {"external_id": "r1", "title": "B", "opened_on": "2025-01-02"},
    ]
    assert record_errors("requisitions", records) == [
        (1, "external_id", "Duplicate: the same external_id as record 0.")
    ]


def test_no_api_records_at_all_says_there_are_none():
    assert record_errors("requisitions", []) == [(None, None, "There are no records.")]


def test_a_file_with_a_header_and_no_rows_says_so():
    assert errors_of("requisitions", csv_bytes(REQUISITION_HEADER)) == [
        (None, None, "The file has a header but no rows.")
    ]


def test_an_unknown_column_is_named_where_the_kind_words_it_so():
    from sla.schedule_kind import SLA_SCHEDULE

    assert SLA_SCHEDULE.unknown_reason("colour") == (
        "Unknown column 'colour': the schedule's columns are fixed."
    )
    errors = errors_of(
        "requisitions", csv_bytes(REQUISITION_HEADER + ",colour", "r1,A,2025-01-02,x")
    )
    [(row, column, reason)] = errors
    assert (row, column) == (1, "colour")
    assert reason.startswith("Unknown column for requisitions; the columns are: external_id, title")


def test_a_missing_required_column_is_reported_on_the_header_row():
    errors = errors_of("requisitions", csv_bytes("external_id,title", "r1,A"))
    assert errors == [(1, "opened_on", "Required column is missing.")]
