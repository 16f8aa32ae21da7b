"""Baselines (issue 26): computed by the KPI engine over a window of whole months before
go-live, or entered with a source; proposed by one party, agreed by the other, versioned; bad
input refused with nothing written."""

import csv
import io
import json
import math
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from accounts.models import Role
from engagements.agreement import AgreementState
from engagements.go_live_services import go_live_initial
from kpis import reading
from kpis.baselines.compute import window_frame
from kpis.baselines.models import Baseline, BaselineProposal, BaselineStep
from kpis.baselines.selectors import baselines_in_force
from kpis.baselines.services import (
    baseline_propose_entered,
    baselines_agree,
    baselines_propose_computed,
    baselines_reject,
)
from kpis.models import MetricValue
from kpis.registry import KPIS
from kpis.services import engagement_metrics_recompute
from recruiting.generator import DataSpec, generated_data_import, scope_for
from tests.factories import member, targets_agree

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 9, 30)
GO_LIVE = date(2025, 10, 1)


@pytest.fixture
def history(engagement, account_manager):
    """Twelve months of imported history up to AS_OF, the engine's values computed as of it,
    and go-live on 1 October 2025."""
    spec = DataSpec(requisitions=160, seed=7, months=12, end=AS_OF, scope=scope_for(engagement))
    generated_data_import(actor=account_manager, engagement=engagement, spec=spec)
    engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    go_live_initial(engagement=engagement, go_live_date=GO_LIVE)
    engagement.refresh_from_db()
    return engagement


def rows_written() -> tuple[int, int, int]:
    return (
        BaselineProposal.objects.count(),
        Baseline.objects.count(),
        BaselineStep.objects.count(),
    )


def stored(engagement, grain, period) -> dict:
    return {
        (v.kpi, v.dimension, v.segment): v
        for v in MetricValue.objects.filter(engagement=engagement, grain=grain, period=period)
    }


def same(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return b is not None and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


# --- the engine's value for the same records ----------------------------------------------------


def test_a_one_month_window_is_the_engines_month_value_for_every_kpi_and_segment(history):
    window = window_frame(
        reading.load_frames(history.pk),
        window_from=date(2025, 6, 1),
        window_to=date(2025, 6, 1),
        as_of=AS_OF,
    )
    engine = stored(history, "month", "2025-06")
    assert len(window) == len(engine) > 50
    for row in window.itertuples():
        value = engine[(row.kpi, row.dimension, row.segment)]
        assert row.n == value.n, row
        assert same(row.value, value.value), (row, value.value)


def test_a_quarter_window_is_the_engines_quarter_value_the_union_of_its_records(history):
    """Three months as one window: the median of all their records, not a mean of monthly
    medians (the engine's quarter is exactly that union), for every KPI but the snapshot
    KPI (open requisition age), whose window counts each month-end snapshot."""
    window = window_frame(
        reading.load_frames(history.pk),
        window_from=date(2025, 4, 1),
        window_to=date(2025, 6, 1),
        as_of=AS_OF,
    )
    engine = stored(history, "quarter", "2025-Q2")
    events = window[window["kpi"] != "open_requisition_age"]
    assert len(events) == len([k for k in engine if k[0] != "open_requisition_age"])
    for row in events.itertuples():
        value = engine[(row.kpi, row.dimension, row.segment)]
        assert row.n == value.n and same(row.value, value.value), (row, value.value)
    months = stored(history, "month", "2025-04"), stored(history, "month", "2025-05")
    june = stored(history, "month", "2025-06")
    ttf = ("time_to_fill", "all", "all")
    mean_of_months = sum(m[ttf].value for m in (*months, june)) / 3
    assert not same(
        events.set_index(["kpi", "dimension", "segment"]).loc[ttf, "value"], mean_of_months
    )
    age = window[(window["kpi"] == "open_requisition_age") & (window["dimension"] == "all")]
    snapshots = sum(m[("open_requisition_age", "all", "all")].n for m in (*months, june))
    assert int(age["n"].iloc[0]) == snapshots


def test_a_proposed_computed_baseline_stores_the_engines_values(history, account_manager):
    proposal = baselines_propose_computed(
        actor=account_manager,
        engagement=history,
        window_from=date(2025, 7, 1),
        window_to=date(2025, 9, 1),
        as_of=AS_OF,
    )
    engine = stored(history, "quarter", "2025-Q3")
    items = {item.kpi: item for item in proposal.baselines.all()}
    assert set(items) == {kpi for kpi, _, _ in engine} | {"open_requisition_age"} | set(items)
    assert len(items) == len(KPIS)  # every KPI of the catalogue has a value in the window
    for key in ("time_to_fill", "cost_per_hire", "offer_acceptance_rate", "hires"):
        value = engine[(key, "all", "all")]
        assert items[key].n == value.n
        assert float(items[key].value) == pytest.approx(value.value, abs=1e-6)
        assert items[key].source == "computed"
    assert proposal.state == "proposed" and not baselines_in_force(engagement=history)


# --- too few records ----------------------------------------------------------------------------


def test_a_window_with_too_few_records_is_insufficient_data_with_n(
    history, account_manager, hr_lead
):
    targets_agree(
        history,
        [("time_to_fill", "month", 40, 50, 60, 500)],
        proposer=account_manager,
        agreer=hr_lead,
    )
    proposal = baselines_propose_computed(
        actor=account_manager,
        engagement=history,
        window_from=date(2025, 9, 1),
        window_to=date(2025, 9, 1),
        as_of=AS_OF,
    )
    item = proposal.baselines.get(kpi="time_to_fill")
    month = MetricValue.objects.get(
        engagement=history, kpi="time_to_fill", grain="month", period="2025-09", dimension="all"
    )
    assert item.value is None and item.n == month.n and item.min_sample_size == 500
    out = io.StringIO()
    call_command("export_baselines", "--engagement", history.slug, stdout=out)
    row = next(
        r
        for r in csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff")))
        if r["kpi"] == "time_to_fill"
    )
    assert row["value"] == "" and row["n"] == str(month.n) and row["state"] == "proposed"


def test_a_window_without_records_is_insufficient_with_n_zero(history, account_manager):
    proposal = baselines_propose_computed(
        actor=account_manager,
        engagement=history,
        window_from=date(2020, 1, 1),
        window_to=date(2020, 3, 1),
        as_of=AS_OF,
    )
    assert all(item.value is None and item.n == 0 for item in proposal.baselines.all())


# --- refusals: a clear message, nothing written -----------------------------------------------


@pytest.mark.parametrize(
    ("window_from", "window_to", "words"),
    [
        (date(2025, 9, 1), date(2025, 7, 1), "out of order"),
        (date(2025, 8, 1), date(2025, 10, 1), "end before go-live"),
        (date(2025, 11, 1), date(2025, 12, 1), "end before go-live"),
    ],
)
def test_a_bad_window_is_refused_and_nothing_written(
    history, account_manager, window_from, window_to, words
):
    before = rows_written()
    with pytest.raises(ValidationError, match=words):
        baselines_propose_computed(
            actor=account_manager,
            engagement=history,
            window_from=window_from,
            window_to=window_to,
            as_of=AS_OF,
        )
    assert rows_written() == before


def test_a_go_live_mid_month_leaves_its_month_out(engagement, account_manager):
    go_live_initial(engagement=engagement, go_live_date=date(2025, 10, 15))
    with pytest.raises(ValidationError, match="September 2025 at the latest"):
        baselines_propose_computed(
            actor=account_manager,
            engagement=engagement,
            window_from=date(2025, 10, 1),
            window_to=date(2025, 10, 1),
        )
    assert rows_written() == (0, 0, 0)


def test_no_go_live_date_is_refused(engagement, account_manager):
    with pytest.raises(ValidationError, match="no agreed go-live date"):
        baselines_propose_computed(
            actor=account_manager,
            engagement=engagement,
            window_from=date(2025, 1, 1),
            window_to=date(2025, 3, 1),
        )
    with pytest.raises(ValidationError, match="no agreed go-live date"):
        baseline_propose_entered(
            actor=account_manager,
            engagement=engagement,
            kpi="time_to_fill",
            value=Decimal("50"),
            source="benchmark",
        )
    assert rows_written() == (0, 0, 0)


def test_an_unknown_kpi_or_bad_value_is_refused(engagement, account_manager):
    go_live_initial(engagement=engagement, go_live_date=GO_LIVE)
    with pytest.raises(ValidationError, match="not a KPI"):
        baseline_propose_entered(
            actor=account_manager,
            engagement=engagement,
            kpi="time_to_lunch",
            value=Decimal("50"),
            source="benchmark",
        )
    with pytest.raises(ValidationError, match="at most 100"):
        baseline_propose_entered(
            actor=account_manager,
            engagement=engagement,
            kpi="offer_acceptance_rate",
            value=Decimal("120"),
            source="benchmark",
        )
    with pytest.raises(ValidationError, match="where an entered value comes from"):
        baseline_propose_entered(
            actor=account_manager,
            engagement=engagement,
            kpi="time_to_fill",
            value=Decimal("50"),
            source="computed",
        )
    assert rows_written() == (0, 0, 0)


# --- agreement, versions, roles -----------------------------------------------------------------


def entered(actor, engagement, value="60", kpi="time_to_fill", **kwargs):
    return baseline_propose_entered(
        actor=actor,
        engagement=engagement,
        kpi=kpi,
        value=Decimal(value),
        source="earlier_report",
        source_detail="2024 internal report",
        **kwargs,
    )


def test_entered_baselines_are_agreed_by_the_other_party_and_versioned(
    engagement, account_manager, hr_lead
):
    go_live_initial(engagement=engagement, go_live_date=GO_LIVE)
    first = entered(account_manager, engagement, "60", note="Last year's report.")
    with pytest.raises(PermissionDenied):
        baselines_agree(actor=member(engagement.provider, Role.ACCOUNT_MANAGER), proposal=first)
    baselines_agree(actor=hr_lead, proposal=first)
    assert baselines_in_force(engagement=engagement)[("time_to_fill", "all", "all")].value == 60
    second = entered(hr_lead, engagement, "55")
    assert baselines_in_force(engagement=engagement)[("time_to_fill", "all", "all")].value == 60
    baselines_agree(actor=account_manager, proposal=second)
    assert baselines_in_force(engagement=engagement)[("time_to_fill", "all", "all")].value == 55
    third = entered(hr_lead, engagement, "40")
    baselines_reject(actor=account_manager, proposal=third, note="Too low.")
    assert baselines_in_force(engagement=engagement)[("time_to_fill", "all", "all")].value == 55
    steps = list(BaselineStep.objects.filter(proposal=first).order_by("at", "id"))
    assert [s.action for s in steps] == ["proposed", "agreed"]
    assert steps[0].changes["value"] == [None, "60"]
    with pytest.raises(ValidationError, match="already agreed"):
        baselines_agree(actor=hr_lead, proposal=first)


def test_an_insufficient_window_never_replaces_an_agreed_value(history, account_manager, hr_lead):
    baselines_agree(actor=account_manager, proposal=entered(hr_lead, history, "70"))
    empty = baselines_propose_computed(
        actor=account_manager,
        engagement=history,
        window_from=date(2020, 1, 1),
        window_to=date(2020, 1, 1),
        as_of=AS_OF,
    )
    baselines_agree(actor=hr_lead, proposal=empty)
    assert baselines_in_force(engagement=history)[("time_to_fill", "all", "all")].value == 70


@pytest.mark.parametrize("role", ["client_viewer", "recruiter", "client_admin", "provider_admin"])
def test_roles_that_may_not_negotiate(engagement, role, request):
    go_live_initial(engagement=engagement, go_live_date=GO_LIVE)
    with pytest.raises(PermissionDenied):
        entered(request.getfixturevalue(role), engagement)
    assert rows_written() == (0, 0, 0)


def test_an_outsider_may_not_propose(engagement, outsider):
    go_live_initial(engagement=engagement, go_live_date=GO_LIVE)
    with pytest.raises(PermissionDenied):
        entered(outsider, engagement)


# --- commands -----------------------------------------------------------------------------------


def test_the_commands_propose_agree_and_export(history, account_manager, hr_lead, time_machine):
    time_machine.move_to(date(2025, 10, 20))
    out = io.StringIO()
    call_command(
        "propose_baselines",
        "--engagement",
        history.slug,
        "--from",
        "2025-04",
        "--to",
        "2025-09",
        "--proposed-by",
        account_manager.email,
        stdout=out,
    )
    assert "awaiting the other party" in out.getvalue() and "time_to_fill:" in out.getvalue()
    call_command(
        "agree_baselines",
        "--engagement",
        history.slug,
        "--agreed-by",
        hr_lead.email,
        stdout=io.StringIO(),
    )
    proposal = BaselineProposal.objects.get()
    assert proposal.state == AgreementState.AGREED
    out = io.StringIO()
    call_command("export_baselines", "--engagement", history.slug, "--format", "json", stdout=out)
    records = {r["kpi"]: r for r in json.loads(out.getvalue())}
    ttf = proposal.baselines.get(kpi="time_to_fill")
    assert records["time_to_fill"]["value"] == format(ttf.value.normalize(), "f")
    assert records["time_to_fill"]["n"] == ttf.n
    assert records["time_to_fill"]["window"] == "2025-04 to 2025-09"
    assert records["time_to_fill"]["source"] == "computed"
    assert records["time_to_fill"]["state"] == "agreed"


def test_the_commands_refuse_bad_input_and_write_nothing(history, account_manager, hr_lead):
    for args, words in [
        (["--from", "2025-09", "--to", "2025-07"], "out of order"),
        (["--from", "2025-09", "--to", "2025-10"], "before go-live"),
        (["--from", "2025-13", "--to", "2025-10"], "not a month"),
    ]:
        with pytest.raises(CommandError, match=words):
            call_command("propose_baselines", "--engagement", history.slug, *args)
    with pytest.raises(CommandError, match="No baselines proposed"):
        call_command("agree_baselines", "--engagement", history.slug, "--agreed-by", hr_lead.email)
    with pytest.raises(CommandError, match="No engagement"):
        call_command("export_baselines", "--engagement", "nope")
    assert rows_written() == (0, 0, 0)
