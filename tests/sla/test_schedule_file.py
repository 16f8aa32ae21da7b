"""A bad SLA schedule file is refused with row, column and reason, and nothing is written."""

import io

import pytest
import xlsxwriter
from django.core.management import CommandError, call_command

from sla.models import SlaClause, SlaSchedule
from sla.schedule import schedule_read
from sla.schedule_kind import SLA_SCHEDULE

pytestmark = pytest.mark.django_db

HEADER = (
    "clause,kpi,grain,dimension,segment,kind,threshold,min_n,grace_days,effective_from,"
    "effective_to,pct,repeat_pct,cap_pct,earn_back"
)
GOOD = "S-TTF,time_to_fill,month,,,credit,38,2,0,2025-01-01,,5,,4,2"


def read(engagement, *rows, name="sla_schedule.csv"):
    data = "\n".join([HEADER, *rows]).encode()
    return schedule_read(data=data, file_name=name, engagement=engagement)


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("S-X,time_to_fly,month,,,credit,38,,,2025-01-01,,5,,,", "kpi", "Unknown KPI"),
        (
            "S-X,cost_per_hire,month,department,Sales,credit,5000,,,2025-01-01,,5,,,",
            "dimension",
            "not computed by 'department'",
        ),
        (
            "S-X,time_to_fill,month,source,referral,credit,38,,,2025-01-01,,5,,,",
            "dimension",
            "not computed by 'source'",
        ),
        ("S-X,time_to_fill,month,,,credit,38,,,2025-01-01,,5,4,,", "repeat_pct", "below pct"),
        (
            "S-X,hiring_manager_satisfaction,month,,,bonus,3,,,2025-01-01,,2,,,1",
            "earn_back",
            "bonus",
        ),
        ("S-TTF,time_to_fill,month,,,credit,40,,,2025-01-01,,5,,,", "clause", "Duplicate"),
        (
            "S-X,time_to_fill,month,,,credit,38,,,2025-06-01,2025-05-31,5,,,",
            "effective_to",
            "before",
        ),
        (
            "S-X,time_to_fill,month,priority,urgent,credit,38,,,2025-01-01,,5,,,",
            "segment",
            "priority",
        ),
        ("S-X,time_to_fill,week,,,credit,38,,,2025-01-01,,5,,,", "grain", "one of"),
        ("S-X,time_to_fill,month,,,credit,38,,,2025-01-01,,0,,,", "pct", "more than 0"),
        # A percentage is stored with 4 decimal places: more is refused, never rounded away.
        ("S-X,time_to_fill,month,,,credit,38,,,2025-01-01,,2.55555,,,", "pct", "4 decimal"),
        ("S-X,time_to_fill,month,,,credit,38,,,2025-01-01,,5,,1.00001,", "cap_pct", "4 decimal"),
    ],
)
def test_a_bad_row_is_refused_with_row_column_and_reason(engagement, row, column, reason):
    check = read(engagement, GOOD, row)
    assert not check.ok and check.clauses == []
    assert [(e["row"], e["column"]) for e in check.errors] == [(3, column)]
    assert reason in check.errors[0]["reason"]


def test_the_files_columns_are_the_contracts_sla_schedule_kind():
    assert HEADER.split(",") == SLA_SCHEDULE.column_names


def test_an_unknown_or_missing_column_is_refused_at_the_header(engagement):
    check = schedule_read(
        data=b"clause,kpi,grain,threshold,effective_from,pct,colour\nA,hires,month,1,2025-01-01,1,red",
        file_name="s.csv",
        engagement=engagement,
    )
    assert {(e["row"], e["column"]) for e in check.errors} == {(1, "colour")}
    check = schedule_read(
        data=b"clause,kpi,grain,threshold,effective_from\nA,hires,month,1,2025-01-01",
        file_name="s.csv",
        engagement=engagement,
    )
    assert [(e["row"], e["column"]) for e in check.errors] == [(1, "pct")]


def test_every_error_of_the_file_at_once_and_nothing_written(engagement, account_manager, tmp_path):
    path = tmp_path / "sla_schedule.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                GOOD,
                "S-X,time_to_fly,month,,,credit,38,,,2025-01-01,,5,,,",
                "S-TTF,time_to_fill,month,,,credit,40,,,2025-01-01,,5,,,",
            ]
        )
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command(
            "import_sla",
            "--engagement",
            engagement.slug,
            "--proposed-by",
            account_manager.email,
            str(path),
            stderr=err,
        )
    assert "row 3, kpi: Unknown KPI" in err.getvalue()
    assert "row 4, clause: Duplicate clause 'S-TTF'" in err.getvalue()
    assert not SlaSchedule.objects.exists() and not SlaClause.objects.exists()


def test_an_xlsx_schedule_reads_like_the_csv(engagement, tmp_path):
    path = tmp_path / "sla_schedule.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    for r, line in enumerate([HEADER, GOOD]):
        for c, cell in enumerate(line.split(",")):
            if cell:
                sheet.write_string(r, c, cell)
    workbook.close()
    check = schedule_read(data=path.read_bytes(), file_name=path.name, engagement=engagement)
    assert check.ok, check.errors
    (clause,) = check.clauses
    assert (clause["key"], clause["dimension"], clause["segment"], clause["earn_back"]) == (
        "S-TTF",
        "all",
        "all",
        2,
    )
