"""The Data pages and the web import: tenancy, roles, preview and confirm, fragments, queries."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recruiting.models import ImportRun, ImportStatus, Requisition
from tests.recruiting.helpers import SAMPLE, SAMPLE_FILES, csv_bytes, requisitions

pytestmark = pytest.mark.django_db

GOOD = csv_bytes("external_id,title,opened_on", "R1,Engineer,2025-01-10", "R2,Analyst,2025-01-11")
BAD = csv_bytes("external_id,title,opened_on,salary", "R1,,2025-01-10,1", "R1,B,2025-13-01,2")


def upload(client, engagement, data=GOOD, name="requisitions.csv", htmx=False, kind=""):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(
        reverse("recruiting:import", args=[engagement.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "kind": kind},
        **headers,
    )


# --- Tenancy and roles ----------------------------------------------------------------------


def urls(engagement, run_id=1):
    return [
        reverse("recruiting:data", args=[engagement.pk]),
        reverse("recruiting:records", args=[engagement.pk, "requisitions"]),
        reverse("recruiting:import", args=[engagement.pk]),
        reverse("recruiting:import-history", args=[engagement.pk]),
        reverse("recruiting:import-run", args=[engagement.pk, run_id]),
    ]


def test_outsider_gets_404_everywhere(login, engagement, outsider, account_manager):
    run = upload(login(account_manager), engagement).context["result"].run
    client = login(outsider)
    for url in urls(engagement, run.pk):
        assert client.get(url).status_code == 404, url
    for name in ("recruiting:import-confirm", "recruiting:import-discard"):
        assert client.post(reverse(name, args=[engagement.pk, run.pk])).status_code == 404
    assert upload(client, engagement).status_code == 404
    assert ImportRun.objects.get(pk=run.pk).status == ImportStatus.PREVIEW


@pytest.mark.parametrize("role", ["client_viewer", "recruiter", "hr_lead", "provider_admin"])
def test_roles_without_import_permission_get_403(request, login, engagement, role):
    client = login(request.getfixturevalue(role))
    assert client.get(reverse("recruiting:import", args=[engagement.pk])).status_code == 403
    assert upload(client, engagement).status_code == 403
    assert not ImportRun.objects.exists()
    # ...but they read the data.
    assert client.get(reverse("recruiting:data", args=[engagement.pk])).status_code == 200


@pytest.mark.parametrize("role", ["client_viewer", "recruiter"])
def test_read_only_roles_cannot_confirm_someone_elses_upload(
    request, login, engagement, account_manager, role
):
    run = upload(login(account_manager), engagement).context["result"].run
    client = login(request.getfixturevalue(role))
    confirm = reverse("recruiting:import-confirm", args=[engagement.pk, run.pk])
    assert client.post(confirm).status_code == 403
    assert not Requisition.objects.exists()


def test_a_preview_belongs_to_its_uploader(login, engagement, account_manager, client_admin):
    run = upload(login(account_manager), engagement).context["result"].run
    client = login(client_admin)
    confirm = reverse("recruiting:import-confirm", args=[engagement.pk, run.pk])
    assert client.post(confirm).status_code == 404
    assert (
        client.get(reverse("recruiting:import-run", args=[engagement.pk, run.pk])).status_code
        == 404
    )
    assert not Requisition.objects.exists()


def test_a_run_of_another_engagement_is_404(login, engagement, other_engagement, account_manager):
    run = upload(login(account_manager), engagement).context["result"].run
    from accounts.models import Role
    from tests.factories import member

    other_am = member(other_engagement.provider, Role.ACCOUNT_MANAGER)
    client = login(other_am)
    url = reverse("recruiting:import-run", args=[other_engagement.pk, run.pk])
    assert client.get(url).status_code == 404
    confirm = reverse("recruiting:import-confirm", args=[other_engagement.pk, run.pk])
    assert client.post(confirm).status_code == 404


# --- Preview and confirm --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["account_manager", "client_admin"])
def test_preview_then_confirm(request, login, engagement, role):
    user = request.getfixturevalue(role)
    client = login(user)
    page = client.get(reverse("recruiting:import", args=[engagement.pk]))
    assert page.status_code == 200
    assert b'hx-post="' in page.content and b'name="file"' in page.content

    response = upload(client, engagement)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.ok and (result.rows, result.created, result.updated) == (2, 2, 0)
    assert b"Ready to import requisitions.csv" in response.content
    assert b"Engineer" in response.content  # the first rows
    assert not Requisition.objects.exists()  # a preview writes nothing
    run = result.run
    assert run.status == ImportStatus.PREVIEW and default_storage.exists(run.stored_file)
    assert run.stored_file.startswith(f"imports/{engagement.pk}/")

    confirm = reverse("recruiting:import-confirm", args=[engagement.pk, run.pk])
    response = client.post(confirm)
    assert response.status_code == 302
    assert response["Location"] == reverse("recruiting:import-run", args=[engagement.pk, run.pk])
    run.refresh_from_db()
    assert (run.status, run.created, run.user, run.stored_file) == (
        ImportStatus.SUCCEEDED,
        2,
        user,
        "",
    )
    assert Requisition.objects.filter(engagement=engagement).count() == 2
    # A second confirmation (a double click) does nothing more.
    assert client.post(confirm).status_code == 302
    assert ImportRun.objects.filter(status=ImportStatus.SUCCEEDED).count() == 1

    detail = client.get(response["Location"])
    assert b"Imported" in detail.content and b"hx-trigger" not in detail.content

    again = upload(client, engagement).context["result"]
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_preview_shows_every_error_in_the_htmx_panel(login, engagement, account_manager):
    client = login(account_manager)
    response = upload(client, engagement, BAD, htmx=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="import-panel"')
    assert "<html" not in html
    for text in ("salary", "Unknown column", "Required: this cell is blank.", "Not a valid date"):
        assert text in html
    result = response.context["result"]
    assert not result.ok and result.error_count == 4
    assert result.run.status == ImportStatus.FAILED and not result.run.stored_file
    assert not Requisition.objects.exists()


def test_upload_without_js_renders_the_whole_page(login, engagement, account_manager):
    response = upload(login(account_manager), engagement, BAD)
    assert b"<html" in response.content and b"cannot be imported" in response.content


def test_upload_needs_a_file(login, engagement, account_manager):
    response = login(account_manager).post(reverse("recruiting:import", args=[engagement.pk]))
    assert response.status_code == 200 and response.context["form"].errors


def test_csv_renamed_xlsx_over_the_web(login, engagement, account_manager):
    response = upload(login(account_manager), engagement, GOOD, name="requisitions.xlsx")
    assert b"is not an Excel workbook" in response.content


def test_kind_chosen_in_the_form(login, engagement, account_manager):
    response = upload(
        login(account_manager), engagement, GOOD, name="export.csv", kind="requisitions"
    )
    assert response.context["result"].ok


def test_discard(login, engagement, account_manager):
    client = login(account_manager)
    run = upload(client, engagement).context["result"].run
    stored = run.stored_file
    response = client.post(reverse("recruiting:import-discard", args=[engagement.pk, run.pk]))
    assert response.status_code == 302
    assert not ImportRun.objects.filter(pk=run.pk).exists()
    assert not default_storage.exists(stored)


def test_confirm_over_htmx_redirects_the_client(login, engagement, account_manager):
    client = login(account_manager)
    run = upload(client, engagement).context["result"].run
    response = client.post(
        reverse("recruiting:import-confirm", args=[engagement.pk, run.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("recruiting:import-run", args=[engagement.pk, run.pk])


# --- Reading pages --------------------------------------------------------------------------


def test_data_page_counts_and_nav(login, engagement, client_viewer):
    requisitions(engagement, "R1,Engineer,2025-01-10")
    response = login(client_viewer).get(reverse("recruiting:data", args=[engagement.pk]))
    assert response.status_code == 200
    counts = {kind: count for kind, _, count in response.context["counts"]}
    assert counts == {
        "requisitions": 1,
        "applications": 0,
        "surveys": 0,
        "quality": 0,
        "costs": 0,
        "hiring_plan": 0,
        "market_benchmarks": 0,
    }
    assert b"Import a file" not in response.content  # a viewer cannot import
    assert reverse("recruiting:data", args=[engagement.pk]).encode() in response.content


def test_records_page_paginates_and_serves_a_fragment(login, engagement, hr_lead):
    from recruiting.services import files_import

    names = ["requisitions.csv", "applications.csv"]
    files_import(actor=None, engagement=engagement, files=[(n, SAMPLE / n, None) for n in names])
    client = login(hr_lead)
    url = reverse("recruiting:records", args=[engagement.pk, "applications"])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 359
    assert len(page.context["page"].object_list) == 50
    assert b"R-00000" in page.content  # references show the requisition's external id
    fragment = client.get(url + "?page=2", HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<section id="records"')
    assert (
        client.get(reverse("recruiting:records", args=[engagement.pk, "nope"])).status_code == 404
    )


@pytest.mark.parametrize(
    "kind", ["requisitions", "applications", "surveys", "quality", "costs", "hiring_plan"]
)
def test_record_list_queries_do_not_grow_with_data(login, engagement, hr_lead, count_queries, kind):
    from recruiting.services import files_import

    client = login(hr_lead)
    url = reverse("recruiting:records", args=[engagement.pk, kind])
    client.get(url)
    few = count_queries(lambda: client.get(url))
    files_import(
        actor=None, engagement=engagement, files=[(n, SAMPLE / n, None) for n in SAMPLE_FILES]
    )
    many = count_queries(lambda: client.get(url))
    assert many <= few + 1  # +1: the page query, skipped when the count is 0


def test_history_and_overview_queries_do_not_grow(
    login, engagement, account_manager, count_queries
):
    client = login(account_manager)
    pages = [
        reverse("recruiting:import-history", args=[engagement.pk]),
        reverse("recruiting:data", args=[engagement.pk]),
    ]
    requisitions(engagement, "R1,Engineer,2025-01-10")
    before = [count_queries(lambda u=u: client.get(u)) for u in pages]
    for i in range(6):
        requisitions(engagement, f"R{i},Engineer,2025-01-10")
    after = [count_queries(lambda u=u: client.get(u)) for u in pages]
    assert after == before


def test_history_lists_who_what_and_counts(login, engagement, account_manager, client_viewer):
    client = login(account_manager)
    run = upload(client, engagement).context["result"].run
    client.post(reverse("recruiting:import-confirm", args=[engagement.pk, run.pk]))
    requisitions(engagement, "R1,,2025-01-10")  # a rejected file is on record too
    viewer = login(client_viewer)
    response = viewer.get(reverse("recruiting:import-history", args=[engagement.pk]))
    html = response.content.decode()
    assert account_manager.email in html and "requisitions.csv" in html
    assert "Imported" in html and "Rejected" in html
    runs = list(response.context["page"].object_list)
    assert [(r.created, r.error_count) for r in runs] == [(0, 1), (2, 0)]
    fragment = viewer.get(
        reverse("recruiting:import-history", args=[engagement.pk]), HTTP_HX_REQUEST="true"
    )
    assert fragment.content.decode().lstrip().startswith('<section id="runs"')


def test_confirm_and_discard_need_post(login, engagement, account_manager):
    client = login(account_manager)
    run = upload(client, engagement).context["result"].run
    for name in ("recruiting:import-confirm", "recruiting:import-discard"):
        assert client.get(reverse(name, args=[engagement.pk, run.pk])).status_code == 405
    run.refresh_from_db()
    assert run.status == ImportStatus.PREVIEW


def test_a_new_upload_replaces_an_unconfirmed_one(login, engagement, account_manager):
    client = login(account_manager)
    first = upload(client, engagement).context["result"].run
    second = upload(client, engagement).context["result"].run
    assert not ImportRun.objects.filter(pk=first.pk).exists()
    assert not default_storage.exists(first.stored_file)
    assert default_storage.exists(second.stored_file)


def test_the_uploader_can_come_back_to_a_preview(login, engagement, account_manager):
    client = login(account_manager)
    run = upload(client, engagement).context["result"].run
    page = client.get(reverse("recruiting:import-run", args=[engagement.pk, run.pk]))
    confirm = reverse("recruiting:import-confirm", args=[engagement.pk, run.pk])
    assert confirm.encode() in page.content and b"hx-trigger" not in page.content
    client.post(confirm)
    assert Requisition.objects.filter(engagement=engagement).count() == 2
