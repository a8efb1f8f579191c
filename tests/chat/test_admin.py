"""Facilitators moderate reports in the Wagtail admin; nobody else can."""

import pytest

from openlab.chat import services
from openlab.chat.models import Message, Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(people, room):
    message, _ = services.send_message(people["bob"], room.pk, "<i>ひどい</i>発言", "admin-0001")
    return services.report_message(people["alice"], message.pk, "攻撃的です")


@pytest.fixture
def facilitator_client(client, people):
    people["facilitator"].is_staff = True
    people["facilitator"].save()
    from django.contrib.auth.models import Permission

    people["facilitator"].user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client.force_login(people["facilitator"])
    return client


def test_facilitator_sees_open_reports_escaped(facilitator_client, reported):
    response = facilitator_client.get("/admin/chat-reports/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "&lt;i&gt;ひどい&lt;/i&gt;発言" in html and "攻撃的です" in html


def test_facilitator_hides_a_message(facilitator_client, reported, people):
    response = facilitator_client.post(f"/admin/chat-reports/{reported.pk}/hide/")
    assert response.status_code == 302
    reported.refresh_from_db()
    assert reported.status == Report.Status.HIDDEN and reported.resolved_by == people["facilitator"]
    assert Message.objects.get(pk=reported.message_id).hidden_at is not None


def test_facilitator_removes_the_author(facilitator_client, reported, people, room):
    facilitator_client.post(f"/admin/chat-reports/{reported.pk}/remove/")
    assert not services.can_join(people["bob"], room)
    assert Message.objects.get(pk=reported.message_id).hidden_at is not None


def test_others_cannot_moderate(client, reported, people):
    people["alice"].is_staff = True
    people["alice"].save()
    client.force_login(people["alice"])
    assert client.get("/admin/chat-reports/").status_code in (302, 403)
    assert client.post(f"/admin/chat-reports/{reported.pk}/hide/").status_code in (302, 403)
    assert Message.objects.get(pk=reported.message_id).hidden_at is None
