"""Evaluation writes: outcomes in place, one breach per clause and period, notes, warnings,
idempotence and the per-engagement lock; schedules proposed and agreed as a whole."""

import io
from datetime import date

import psycopg2
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from kpis.models import MetricValue
from sla import services
from sla.models import Breach, BreachEvent, SlaClause, SlaEvaluationRun, SlaOutcome, Warning
from sla.services import schedule_agree, schedule_counter, schedule_reject, slas_evaluate
from tests.sla.conftest import AS_OF, propose_file

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        set(
            SlaOutcome.objects.values_list(
                "clause_id", "period", "outcome", "value", "evaluated_at"
            )
        ),
        set(Breach.objects.values_list("pk", "clause_id", "period", "status", "value_changed_at")),
        set(Warning.objects.values_list("pk", "clause_id", "period", "cleared_at")),
        BreachEvent.objects.count(),
    )


def test_evaluating_twice_changes_nothing(sla_engagement):
    before = snapshot()
    assert Breach.objects.count() == 9 and Warning.objects.filter(cleared_at=None).count() == 3
    (result,) = slas_evaluate(engagement_ids=[sla_engagement.pk], as_of=AS_OF)
    assert result.evaluated and result.outcomes == 47
    assert (result.outcomes_changed, result.new_breach_ids, result.new_warning_ids) == (0, [], [])
    assert snapshot() == before


def test_a_breach_opens_once_with_its_opening_on_the_timeline(sla_engagement):
    breach = Breach.objects.get(clause__key="S-TTF", period="2025-04")
    assert (breach.value, breach.n, breach.status) == (39.0, 3, "open")
    (event,) = breach.events.all()
    assert (event.action, event.actor, event.data["n"]) == ("opened", None, 3)


def test_a_changed_value_is_noted_on_the_breach_which_stays(sla_engagement):
    value = MetricValue.objects.get(
        engagement=sla_engagement,
        kpi="time_to_fill",
        grain="month",
        period="2025-04",
        dimension="all",
        segment="all",
    )
    MetricValue.objects.filter(pk=value.pk).update(value=37.5)
    (result,) = slas_evaluate(engagement_ids=[sla_engagement.pk], as_of=AS_OF)
    breach = Breach.objects.get(clause__key="S-TTF", period="2025-04")
    assert result.changed_breach_ids == [breach.pk]
    assert (breach.changed_old_value, breach.changed_new_value, breach.still_breaches) == (
        39.0,
        37.5,
        False,
    )
    assert breach.events.last().action == "value_changed"
    outcome = SlaOutcome.objects.get(clause__key="S-TTF", period="2025-04")
    assert outcome.outcome == "met"
    # Still in the ledger with its credit: a recorded breach stays until it is waived.
    out = io.StringIO()
    call_command(
        "export_sla",
        "--engagement",
        sla_engagement.slug,
        "--table",
        "ledger",
        "--format",
        "csv",
        stdout=out,
    )
    assert "S-TTF,2025-04,breach,5,500.00,500.00" in out.getvalue()
    # Evaluating again notes nothing new.
    (again,) = slas_evaluate(engagement_ids=[sla_engagement.pk], as_of=AS_OF)
    assert again.changed_breach_ids == [] and breach.events.count() == 2


def test_a_warning_clears_when_the_value_recovers_and_when_the_period_closes(sla_engagement):
    warning = Warning.objects.get(clause__key="S-TTF-ENG", period="2025-09")
    MetricValue.objects.filter(
        engagement=sla_engagement,
        kpi="time_to_fill",
        period="2025-09",
        dimension="department",
        segment="Engineering",
    ).update(value=20.0)
    (result,) = slas_evaluate(engagement_ids=[sla_engagement.pk], as_of=AS_OF)
    warning.refresh_from_db()
    assert warning.pk in result.cleared_warning_ids
    assert warning.cleared_because == "recovered"
    nps = Warning.objects.get(clause__key="S-NPS-Q", period="2025-Q3")
    slas_evaluate(engagement_ids=[sla_engagement.pk], as_of=date(2025, 10, 1))
    nps.refresh_from_db()
    assert nps.cleared_because == "closed"
    assert Breach.objects.filter(clause__key="S-NPS-Q", period="2025-Q3").exists()


@pytest.mark.django_db(transaction=True)  # the fixture's evaluation lets go of its lock
def test_a_second_evaluation_of_the_same_engagement_at_the_same_time_says_so(sla_engagement):
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_lock(%s, %s)", [services.LOCK_CLASS, sla_engagement.pk]
            )
        runs = SlaEvaluationRun.objects.count()
        (result,) = slas_evaluate(engagement_ids=[sla_engagement.pk], as_of=AS_OF)
        assert not result.evaluated and "already running" in str(result)
        out = io.StringIO()
        call_command(
            "evaluate_slas",
            "--engagement",
            sla_engagement.slug,
            "--as-of",
            "2025-09-30",
            stdout=out,
        )
        assert "another SLA evaluation is running, skipped" in out.getvalue()
        assert SlaEvaluationRun.objects.count() == runs
    finally:
        other.close()


def test_only_agreed_clauses_are_evaluated(engagement, account_manager):
    schedule = propose_file(engagement, account_manager)
    assert SlaClause.objects.filter(schedule=schedule, in_force=False).count() == 7
    (result,) = slas_evaluate(engagement_ids=[engagement.pk], as_of=AS_OF)
    assert result.outcomes == 0 and not SlaOutcome.objects.exists()


def test_the_other_party_answers_and_agreeing_once_agrees_the_whole_schedule(
    engagement, account_manager, hr_lead, client_viewer
):
    schedule = propose_file(engagement, account_manager)
    with pytest.raises(PermissionDenied):
        schedule_agree(actor=account_manager, schedule=schedule)
    with pytest.raises(PermissionDenied):
        schedule_agree(actor=client_viewer, schedule=schedule)
    schedule_agree(actor=hr_lead, schedule=schedule, note="as negotiated")
    assert SlaClause.objects.filter(schedule=schedule, in_force=True).count() == 7
    assert [s.action for s in schedule.steps.all()] == ["proposed", "agreed"]
    with pytest.raises(ValidationError):
        schedule_reject(actor=hr_lead, schedule=schedule)


def test_a_counter_proposal_replaces_and_supersedes_on_agreement(
    engagement, account_manager, hr_lead
):
    first = propose_file(engagement, account_manager)
    schedule_agree(actor=hr_lead, schedule=first)
    old = SlaClause.objects.get(schedule=first, key="S-TTF")
    terms = {
        "key": "S-TTF",
        "kpi": "time_to_fill",
        "grain": "month",
        "dimension": "all",
        "segment": "all",
        "kind": "credit",
        "threshold": 35,
        "min_n": 2,
        "grace_days": 0,
        "effective_from": date(2025, 1, 1),
        "pct": 5,
        "cap_pct": 4,
        "earn_back": 2,
    }
    proposal = services.schedule_propose(actor=hr_lead, engagement=engagement, clauses=[terms])
    counter = schedule_counter(
        actor=account_manager,
        schedule=proposal,
        clauses=[terms | {"threshold": 40}],
        note="40 days",
    )
    proposal.refresh_from_db()
    assert proposal.state == "countered" and counter.replaces == proposal
    step = counter.steps.get()
    assert step.changes == {"clauses": {"S-TTF": {"threshold": ["35", "40"]}}}
    schedule_agree(actor=hr_lead, schedule=counter)
    old.refresh_from_db()
    new = SlaClause.objects.get(engagement=engagement, key="S-TTF", in_force=True)
    assert new.threshold == 40 and not old.in_force and old.superseded_by == new


def test_import_sla_needs_members_of_opposite_parties(
    engagement, account_manager, provider_admin, hr_lead, tmp_path
):
    from tests.sla.conftest import SCHEDULE

    with pytest.raises(CommandError, match="other party"):
        call_command(
            "import_sla",
            "--engagement",
            engagement.slug,
            "--proposed-by",
            account_manager.email,
            "--agreed-by",
            account_manager.email,
            str(SCHEDULE),
        )
    assert not SlaClause.objects.exists()
    with pytest.raises(CommandError, match="role does not allow"):
        call_command(
            "import_sla",
            "--engagement",
            engagement.slug,
            "--proposed-by",
            provider_admin.email,
            str(SCHEDULE),
        )
    out = io.StringIO()
    call_command(
        "import_sla",
        "--engagement",
        engagement.slug,
        "--proposed-by",
        account_manager.email,
        "--agreed-by",
        hr_lead.email,
        str(SCHEDULE),
        stdout=out,
    )
    assert "7 clause(s) agreed and in force" in out.getvalue()


def test_seed_demo_gives_every_engagement_breaches_repeats_caps_earn_back_bonus_and_warnings():
    from engagements.models import Engagement
    from orchestration.demo import seed_demo
    from sla.selectors import ledger

    seed_demo(log=lambda message: None)
    breaches = Breach.objects.count()
    for engagement in Engagement.objects.all():
        lines = ledger(engagement=engagement).lines
        assert any(line.rate_reason == "repeat" for line in lines), engagement.slug
        assert any(line.amount < line.gross for line in lines), engagement.slug
        assert any(line.earned_back for line in lines), engagement.slug
        assert any(line.event == "bonus" for line in lines), engagement.slug
        assert Warning.objects.filter(engagement=engagement, cleared_at=None).exists()
    seed_demo(log=lambda message: None)  # again: nothing new
    assert Breach.objects.count() == breaches
