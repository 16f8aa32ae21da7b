"""The database keeps applications and requisitions in their engagement without foreign keys.

`recruiting_application` has no foreign-key constraints, and `recruiting_requisition` none to
its engagement (checked row by row at commit, too slow for an import of a million rows);
statement triggers check every write instead, and Django's on_delete=CASCADE still deletes an
engagement's or a requisition's records.
"""

import pytest
from django.db import IntegrityError, connection, transaction

from recruiting.models import Application, Requisition, Survey
from tests.recruiting.helpers import APPLICATION_HEADER, csv_bytes, import_bytes, requisitions

pytestmark = pytest.mark.django_db(transaction=True)

COLUMNS = (
    "engagement_id, requisition_id, external_id, candidate_id, source, applied_on, offer_outcome"
)


@pytest.fixture
def imported(engagement):
    assert requisitions(engagement, "R1,Engineer,2025-01-10", "R2,Analyst,2025-01-12").ok
    result = import_bytes(
        engagement,
        csv_bytes(
            APPLICATION_HEADER,
            "A1,R1,C1,referral,2025-01-11,,,,,,",
            "A2,R2,C2,job_board,2025-01-13,,,,,,",
        ),
        "applications.csv",
    )
    assert result.ok, result.errors
    return engagement


def raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def insert(engagement_id: int, requisition_id: int, external_id: str = "X1") -> None:
    raw(
        f"INSERT INTO recruiting_application ({COLUMNS}) "  # noqa: S608
        "VALUES (%s, %s, %s, 'c', 'other', '2025-02-01', '')",
        [engagement_id, requisition_id, external_id],
    )


def test_an_application_needs_an_existing_requisition(imported):
    with pytest.raises(IntegrityError, match="requisition of its own engagement"):
        insert(imported.pk, 10**12)
    assert Application.objects.count() == 2


def test_an_application_cannot_point_at_another_engagements_requisition(imported, other_engagement):
    requisition = Requisition.objects.get(engagement=imported, external_id="R1")
    with pytest.raises(IntegrityError, match="requisition of its own engagement"):
        insert(other_engagement.pk, requisition.pk)
    application = Application.objects.get(engagement=imported, external_id="A1")
    with pytest.raises(IntegrityError, match="requisition of its own engagement"):
        raw(
            "UPDATE recruiting_application SET engagement_id = %s WHERE id = %s",
            [other_engagement.pk, application.pk],
        )
    insert(imported.pk, requisition.pk)  # its own engagement's requisition: fine
    assert Application.objects.filter(engagement=imported).count() == 3


def test_a_requisition_with_applications_cannot_be_deleted_or_moved_in_sql(
    imported, other_engagement
):
    requisition = Requisition.objects.get(engagement=imported, external_id="R1")
    with pytest.raises(IntegrityError, match="still has applications"):
        raw("DELETE FROM recruiting_requisition WHERE id = %s", [requisition.pk])
    with pytest.raises(IntegrityError, match="still has applications"):
        raw(
            "UPDATE recruiting_requisition SET engagement_id = %s WHERE id = %s",
            [other_engagement.pk, requisition.pk],
        )
    # Other columns change freely, and so do requisitions without applications.
    raw("UPDATE recruiting_requisition SET title = 'Lead' WHERE engagement_id = %s", [imported.pk])
    Application.objects.filter(requisition=requisition).delete()
    raw("DELETE FROM recruiting_requisition WHERE id = %s", [requisition.pk])
    assert Requisition.objects.filter(engagement=imported).count() == 1


def test_a_requisition_needs_an_existing_engagement(imported, other_engagement):
    assert requisitions(other_engagement, "R5,Designer,2025-01-10").ok
    with pytest.raises(IntegrityError, match="existing engagement"):
        raw(
            "INSERT INTO recruiting_requisition (engagement_id, external_id, title, department, "
            "location, job_family, priority, openings, opened_on, on_hold_days, hiring_manager, "
            "recruiter) VALUES (%s, 'R9', 'T', '', '', '', 'normal', 1, '2025-01-01', 0, '', '')",
            [10**12],
        )
    with pytest.raises(IntegrityError, match="existing engagement"):
        raw(
            "UPDATE recruiting_requisition SET engagement_id = %s WHERE engagement_id = %s",
            [10**12, other_engagement.pk],
        )
    # One statement, two engagements: the one that exists does not cover the one that does not.
    with pytest.raises(IntegrityError, match="existing engagement"):
        raw(
            "INSERT INTO recruiting_requisition (engagement_id, external_id, title, department, "
            "location, job_family, priority, openings, opened_on, on_hold_days, hiring_manager, "
            "recruiter) SELECT e, 'R9', 'T', '', '', '', 'normal', 1, '2025-01-01', 0, '', '' "
            "FROM unnest(%s::bigint[]) AS e",
            [[imported.pk, 10**12]],
        )
    assert Requisition.objects.filter(engagement=imported).count() == 2
    assert Requisition.objects.filter(engagement=other_engagement).count() == 1


def test_an_engagement_with_requisitions_cannot_be_deleted_or_renumbered_in_sql(
    imported, other_engagement
):
    with pytest.raises(IntegrityError, match="still has requisitions"):
        raw("DELETE FROM engagements_engagement WHERE id = %s", [imported.pk])
    with pytest.raises(IntegrityError, match="still has requisitions"):
        raw("UPDATE engagements_engagement SET id = %s WHERE id = %s", [10**12, imported.pk])
    # Its other columns change freely, and an engagement without requisitions can go (once
    # the cadences every engagement gets, plain foreign keys, are gone).
    raw("UPDATE engagements_engagement SET name = 'Renamed' WHERE id = %s", [imported.pk])
    raw("DELETE FROM reviews_cadence WHERE engagement_id = %s", [other_engagement.pk])
    raw("DELETE FROM engagements_engagement WHERE id = %s", [other_engagement.pk])
    assert Requisition.objects.filter(engagement=imported).count() == 2


def test_django_deletes_cascade_as_before(imported):
    requisition = Requisition.objects.get(engagement=imported, external_id="R1")
    Survey.objects.create(
        engagement=imported,
        external_id="S1",
        respondent="candidate",
        application=Application.objects.get(engagement=imported, external_id="A1"),
        responded_on="2025-02-01",
        score=9,
    )
    requisition.delete()
    assert list(Application.objects.values_list("external_id", flat=True)) == ["A2"]
    assert not Survey.objects.exists()
    imported.delete()
    assert not Application.objects.exists() and not Requisition.objects.exists()
