"""The transition plan: the template, the status rule, dependencies and their refusals,
alerts to both leads, the tactical agenda, the pages and the API (outsiders 404, viewers
403), and the QBR pack's section."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role
from engagements.models import NOT_A_MEMBER, EngagementModel
from notifications.models import Notification
from reviews import services as review_services
from reviews.agenda import agenda_build
from reviews.models import Tier
from reviews.models.transition import Milestone, MilestoneStatus, milestone_status
from reviews.qbr.sections import PackContext
from reviews.transition import services
from reviews.transition.qbr import transition as transition_section
from tests.factories import member

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("planned", "forecast", "actual", "expected"),
    [
        (date(2026, 6, 1), None, date(2026, 6, 3), "done"),
        (date(2026, 7, 1), date(2026, 8, 1), date(2026, 6, 3), "done"),
        (date(2026, 6, 14), None, None, "late"),
        (date(2026, 6, 14), date(2026, 6, 20), None, "late"),
        (date(2026, 6, 15), None, None, "not_started"),
        (date(2026, 7, 1), date(2026, 7, 2), None, "at_risk"),
        (date(2026, 7, 1), date(2026, 7, 1), None, "on_track"),
        (date(2026, 7, 1), date(2026, 6, 20), None, "on_track"),
        (date(2026, 7, 1), None, None, "not_started"),
    ],
)
def test_status_rule(planned, forecast, actual, expected):
    status = milestone_status(
        planned_on=planned, forecast_on=forecast, actual_on=actual, today=TODAY
    )
    assert status == expected


@pytest.fixture
def plan(engagement, account_manager):
    return services.transition_plan_create(
        actor=account_manager, engagement=engagement, starts_on=timezone.localdate()
    )


def _by_title(engagement, title):
    return Milestone.objects.get(engagement=engagement, title=title)


@pytest.mark.parametrize("model", EngagementModel.values)
def test_plan_from_each_models_template(model, engagement, account_manager):
    engagement.model = model
    engagement.save()
    start = date(2026, 1, 5)
    plan = services.transition_plan_create(
        actor=account_manager, engagement=engagement, starts_on=start
    )
    milestones = list(plan.milestones.order_by("position"))
    titles = [m.title for m in milestones]
    assert titles[0] == "Contract signed" and "Go-live" in titles
    assert "First requisitions opened" in titles and "ATS access granted" in titles
    assert milestones[0].planned_on == start
    for m in milestones:
        for dependency in m.depends_on.all():
            assert dependency.planned_on <= m.planned_on
            assert dependency.position < m.position


def test_second_plan_refused(plan, engagement, account_manager):
    with pytest.raises(ValidationError, match="already has a transition plan"):
        services.transition_plan_create(
            actor=account_manager, engagement=engagement, starts_on=date(2026, 1, 1)
        )


def test_add_edit_remove(plan, engagement, hr_lead):
    kickoff = _by_title(engagement, "Kickoff meeting held")
    added = services.milestone_create(
        actor=hr_lead,
        engagement=engagement,
        phase="Mobilisation",
        title="Hiring managers trained",
        responsible_party="client",
        responsible_person=hr_lead,
        planned_on=kickoff.planned_on + timedelta(days=10),
        depends_on=[kickoff],
        evidence_note="Training deck shared.",
    )
    assert list(added.depends_on.all()) == [kickoff]
    services.milestone_update(
        actor=hr_lead, milestone=added, forecast_on=added.planned_on, title="Managers trained"
    )
    added.refresh_from_db()
    assert added.title == "Managers trained"
    assert added.status_on(timezone.localdate()) == MilestoneStatus.ON_TRACK
    services.milestone_delete(actor=hr_lead, milestone=added)
    assert not Milestone.objects.filter(pk=added.pk).exists()


def test_dependency_cycle_refused_nothing_written(plan, engagement, account_manager):
    signed = _by_title(engagement, "Contract signed")
    kickoff = _by_title(engagement, "Kickoff meeting held")
    before = (signed.planned_on, list(signed.depends_on.all()))
    with pytest.raises(ValidationError) as refused:
        services.milestone_update(
            actor=account_manager,
            milestone=signed,
            depends_on=[kickoff],
            planned_on=kickoff.planned_on,
        )
    assert "circle" in refused.value.message_dict["depends_on"][0]
    signed.refresh_from_db()
    assert (signed.planned_on, list(signed.depends_on.all())) == before


def test_dependency_on_another_engagement_refused(
    plan, engagement, other_engagement, account_manager
):
    other_am = member(other_engagement.provider, Role.ACCOUNT_MANAGER)
    services.transition_plan_create(
        actor=other_am, engagement=other_engagement, starts_on=date(2026, 1, 1)
    )
    foreign = Milestone.objects.filter(engagement=other_engagement).first()
    golive = _by_title(engagement, "Go-live")
    with pytest.raises(ValidationError) as refused:
        services.milestone_update(actor=account_manager, milestone=golive, depends_on=[foreign])
    assert "same plan" in refused.value.message_dict["depends_on"][0]
    assert foreign not in golive.depends_on.all()


def test_planned_before_dependency_refused(plan, engagement, account_manager):
    golive = _by_title(engagement, "Go-live")
    opened = _by_title(engagement, "First requisitions opened")
    with pytest.raises(ValidationError) as refused:
        services.milestone_update(
            actor=account_manager,
            milestone=golive,
            planned_on=opened.planned_on - timedelta(days=1),
        )
    assert "First requisitions opened" in refused.value.message_dict["planned_on"][0]
    # Moving a dependency after what depends on it is refused too.
    with pytest.raises(ValidationError) as refused:
        services.milestone_update(
            actor=account_manager,
            milestone=opened,
            planned_on=golive.planned_on + timedelta(days=1),
        )
    assert "Go-live" in refused.value.message_dict["planned_on"][0]
    golive.refresh_from_db()
    opened.refresh_from_db()
    assert opened.planned_on <= golive.planned_on


def test_future_actual_date_refused(plan, engagement, account_manager):
    signed = _by_title(engagement, "Contract signed")
    with pytest.raises(ValidationError, match="today or earlier"):
        services.milestone_update(
            actor=account_manager,
            milestone=signed,
            actual_on=timezone.localdate() + timedelta(days=1),
        )


def test_responsible_person_of_the_party(plan, engagement, account_manager, hr_lead, outsider):
    golive = _by_title(engagement, "Go-live")  # the provider's
    with pytest.raises(ValidationError) as refused:
        services.milestone_update(
            actor=account_manager, milestone=golive, responsible_person=hr_lead
        )
    assert "responsible party" in refused.value.message_dict["responsible_person"][0]
    with pytest.raises(ValidationError) as refused:
        services.milestone_update(
            actor=account_manager, milestone=golive, responsible_person=outsider
        )
    assert refused.value.message_dict["responsible_person"] == [NOT_A_MEMBER]
    services.milestone_update(
        actor=account_manager, milestone=golive, responsible_person=account_manager
    )


def test_viewer_and_recruiter_rights(plan, engagement, client_viewer, recruiter):
    golive = _by_title(engagement, "Go-live")
    with pytest.raises(PermissionDenied):
        services.milestone_update(
            actor=client_viewer, milestone=golive, forecast_on=golive.planned_on
        )
    services.milestone_update(actor=recruiter, milestone=golive, forecast_on=golive.planned_on)


def test_slip_notifies_both_leads_once_not_the_author(plan, engagement, account_manager, hr_lead):
    golive = _by_title(engagement, "Go-live")
    later = golive.planned_on + timedelta(days=9)
    services.milestone_update(actor=account_manager, milestone=golive, forecast_on=later)
    told = Notification.objects.filter(kind="milestone_slipping")
    assert set(told.values_list("recipient", flat=True)) == {hr_lead.pk}
    assert "Go-live" in told.get().subject
    # The same slip again, or an unrelated edit, tells nobody again.
    services.milestone_update(actor=hr_lead, milestone=golive, forecast_on=later)
    services.milestone_update(actor=hr_lead, milestone=golive, evidence_note="Re-planned.")
    assert told.count() == 1
    # A further slip is a new change: the account manager hears of it, the HR lead made it.
    services.milestone_update(
        actor=hr_lead, milestone=golive, forecast_on=later + timedelta(days=7)
    )
    assert told.count() == 2
    assert told.filter(recipient=account_manager).count() == 1


def test_late_milestone_daily_alert(plan, engagement, account_manager, hr_lead):
    signed = _by_title(engagement, "Contract signed")
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert services.milestones_alert_late(today=tomorrow) == 1
    late = Notification.objects.filter(kind="milestone_late")
    assert set(late.values_list("recipient", flat=True)) == {account_manager.pk, hr_lead.pk}
    assert services.milestones_alert_late(today=tomorrow) == 0
    assert late.count() == 2
    services.milestone_update(actor=hr_lead, milestone=signed, actual_on=timezone.localdate())
    assert services.milestones_alert_late(today=tomorrow + timedelta(days=3)) == 0


def _tactical(engagement, actor):
    return review_services.meeting_create(
        actor=actor,
        engagement=engagement,
        tier=Tier.TACTICAL,
        title="Monthly review",
        starts_at=timezone.now() + timedelta(days=3),
    )


def test_on_the_next_tactical_agenda(plan, engagement, account_manager):
    golive = _by_title(engagement, "Go-live")
    services.milestone_update(
        actor=account_manager, milestone=golive, forecast_on=golive.planned_on + timedelta(days=5)
    )
    meeting = _tactical(engagement, account_manager)
    agenda = agenda_build(meeting=meeting, today=timezone.localdate() + timedelta(days=1))
    section = next(s for s in agenda["sections"] if s["key"] == "transition_milestones")
    titles = [row[1] for row in section["rows"]]
    assert titles == ["Contract signed", "Go-live"]  # late (planned yesterday), then slipping
    assert section["rows"][0][-1] == "Late" and section["rows"][1][-1] == "At risk"


def test_agenda_section_empty_without_plan(engagement, account_manager):
    meeting = _tactical(engagement, account_manager)
    agenda = agenda_build(meeting=meeting)
    section = next(s for s in agenda["sections"] if s["key"] == "transition_milestones")
    assert section["rows"] == []


def test_qbr_section(plan, engagement, account_manager):
    signed = _by_title(engagement, "Contract signed")
    services.milestone_update(actor=account_manager, milestone=signed, actual_on=signed.planned_on)
    today = timezone.localdate()
    context = PackContext(engagement, "2026-Q2", today, today + timedelta(days=1), {})
    section = transition_section(context)
    table = section.table("transition_milestones")
    assert table.rows[0][2] == "Contract signed" and table.rows[0][-1] == "Done"
    assert "1 done" in section.paragraphs[0]


def test_qbr_section_without_plan(engagement):
    today = timezone.localdate()
    section = transition_section(PackContext(engagement, "2026-Q2", today, today, {}))
    assert section.table("transition_milestones").rows == []
    assert "No transition plan" in section.paragraphs[0]


# --- pages ---------------------------------------------------------------------------------


def _page(engagement):
    return f"/engagements/{engagement.pk}/reviews/transition/"


def test_page_without_plan_and_create(login, engagement, account_manager):
    client = login(account_manager)
    page = client.get(_page(engagement))
    assert page.status_code == 200 and b"Make the plan" in page.content
    response = client.post(_page(engagement) + "create/", {"starts_on": "2026-01-05"})
    assert response.status_code == 302
    page = client.get(_page(engagement))
    assert b"chart-timeline" in page.content and b"Today" in page.content
    assert b"Contract signed" in page.content


def test_page_cycle_refused_on_the_field(login, plan, engagement, account_manager):
    signed = _by_title(engagement, "Contract signed")
    kickoff = _by_title(engagement, "Kickoff meeting held")
    client = login(account_manager)
    url = f"{_page(engagement)}milestones/{signed.pk}/"
    data = {
        "position": 1,
        "phase": "Contract",
        "title": "Contract signed",
        "responsible_party": "client",
        "planned_on": kickoff.planned_on.isoformat(),
        "depends_on": [kickoff.pk],
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "circle" in response.content.decode()
    assert not signed.depends_on.exists()


def test_pages_outsider_404_viewer_403(login, plan, engagement, outsider, client_viewer):
    golive = _by_title(engagement, "Go-live")
    urls = [
        _page(engagement),
        _page(engagement) + "milestones/new/",
        f"{_page(engagement)}milestones/{golive.pk}/",
    ]
    client = login(outsider)
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url
    assert client.post(f"{urls[2]}delete/").status_code == 404
    client = login(client_viewer)
    assert client.get(urls[0]).status_code == 200
    assert client.get(urls[2]).status_code == 200
    assert client.get(urls[1]).status_code == 403
    assert client.post(urls[2], {}).status_code == 403
    assert client.post(f"{urls[2]}delete/").status_code == 403
    assert (
        client.post(_page(engagement) + "create/", {"starts_on": "2026-01-01"}).status_code == 403
    )


# --- API -----------------------------------------------------------------------------------


def _api(engagement):
    return f"/api/v1/engagements/{engagement.pk}/reviews/transition/"


def test_api_plan_and_milestones(login, engagement, account_manager):
    client = login(account_manager)
    assert client.get(_api(engagement)).status_code == 404
    assert client.get(_api(engagement) + "milestones/").json()["results"] == []
    made = client.post(_api(engagement), {"starts_on": "2026-01-05"})
    assert made.status_code == 201 and made.json()["starts_on"] == "2026-01-05"
    listed = client.get(_api(engagement) + "milestones/").json()["results"]
    assert listed[0]["title"] == "Contract signed" and listed[0]["status"] == "late"
    golive = next(m for m in listed if m["title"] == "Go-live")
    url = f"{_api(engagement)}milestones/{golive['id']}/"
    changed = client.patch(url, {"actual_on": "2026-03-10"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["status"] == "done"
    assert client.delete(url).status_code == 204


def test_api_bad_input_refused(login, plan, engagement, other_engagement, account_manager):
    client = login(account_manager)
    signed = _by_title(engagement, "Contract signed")
    kickoff = _by_title(engagement, "Kickoff meeting held")
    url = f"{_api(engagement)}milestones/{signed.pk}/"
    cycle = client.patch(
        url,
        {"depends_on": [kickoff.pk], "planned_on": kickoff.planned_on.isoformat()},
        content_type="application/json",
    )
    assert cycle.status_code == 400 and "circle" in str(cycle.json())
    other_am = member(other_engagement.provider, Role.ACCOUNT_MANAGER)
    services.transition_plan_create(
        actor=other_am, engagement=other_engagement, starts_on=date(2026, 1, 1)
    )
    foreign = Milestone.objects.filter(engagement=other_engagement).first()
    response = client.patch(url, {"depends_on": [foreign.pk]}, content_type="application/json")
    assert response.status_code == 400
    golive = _by_title(engagement, "Go-live")
    early = client.patch(
        f"{_api(engagement)}milestones/{golive.pk}/",
        {"planned_on": signed.planned_on.isoformat()},
        content_type="application/json",
    )
    assert early.status_code == 400 and "planned_on" in str(early.json())
    signed.refresh_from_db()
    golive.refresh_from_db()
    assert not signed.depends_on.exists() and golive.planned_on > signed.planned_on


def test_api_outsider_404_viewer_403(login, plan, engagement, outsider, client_viewer):
    golive = _by_title(engagement, "Go-live")
    detail = f"{_api(engagement)}milestones/{golive.pk}/"
    client = login(outsider)
    for url in (_api(engagement), _api(engagement) + "milestones/", detail):
        assert client.get(url).status_code == 404
    assert client.delete(detail).status_code == 404
    client = login(client_viewer)
    assert client.get(detail).status_code == 200
    assert client.patch(detail, {"title": "x"}, content_type="application/json").status_code == 403
    assert client.delete(detail).status_code == 403
    assert client.post(_api(engagement) + "milestones/", {}).status_code == 403


def test_qbr_pack_files_carry_the_transition_section(plan, engagement, account_manager, tmp_path):
    import io

    import openpyxl

    from reviews.qbr.services import qbr_pack_build_now
    from tests.reviews.test_qbr_files import pdf_words

    signed = _by_title(engagement, "Contract signed")
    services.milestone_update(actor=account_manager, milestone=signed, actual_on=signed.planned_on)
    _, xlsx = qbr_pack_build_now(
        engagement=engagement, quarter="2026-Q3", fmt="xlsx", generated_by="t@example.com"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx))["Transition"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(cells) if row[:3] == ["#", "Phase", "Milestone"])
    assert cells[header + 1][2] == "Contract signed" and cells[header + 1][-1] == "Done"
    assert cells[header + 1][5] is not None  # the planned date as a date cell
    _, pdf = qbr_pack_build_now(
        engagement=engagement, quarter="2026-Q3", fmt="pdf", generated_by="t@example.com"
    )
    text = " ".join(pdf_words(pdf, tmp_path).split())
    assert "Transition plan" in text and "Process design signed off" in text


def test_staff_edit_a_template_in_the_admin_and_new_plans_follow_it(
    client, engagement, account_manager
):
    from reviews.models import TransitionTemplate
    from tests.factories import UserFactory

    services.templates_ensure()
    template = TransitionTemplate.objects.get(engagement_model=engagement.model)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    page = client.get(f"/admin/reviews/transitiontemplate/{template.pk}/change/")
    assert page.status_code == 200 and b"Process design signed off" in page.content
    row = template.milestones.get(title="Kickoff meeting held")
    row.title = "Kick-off workshop held"
    row.full_clean()
    row.save()
    plan = services.transition_plan_create(
        actor=account_manager, engagement=engagement, starts_on=date(2026, 2, 2)
    )
    assert plan.milestones.filter(title="Kick-off workshop held").exists()
