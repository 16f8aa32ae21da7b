import pytest
from django.urls import reverse

from tests.recruiting.helpers import requisitions

pytestmark = pytest.mark.django_db


def test_import_history_in_the_admin_is_read_only(admin_client, engagement):
    requisitions(engagement, "R1,Engineer,2025-01-10")
    response = admin_client.get(reverse("admin:recruiting_importrun_changelist"))
    assert response.status_code == 200
    assert b"requisitions.csv" in response.content
    assert admin_client.get(reverse("admin:recruiting_importrun_add")).status_code == 403
