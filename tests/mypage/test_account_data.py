"""Download my data (開示請求) and delete my account: nothing personal remains."""

import io
import json

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client

from events.models import Registration, RegistrationStatus
from openlab.chat.models import Message
from openlab.chat.models import Report as ChatReport
from openlab.mypage import services
from stakeholders.models import StakeholderPage
from tests.mypage.conftest import DISPLAY_NAME, EMAIL, PASSWORD, USERNAME

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_download_my_data_holds_everything_about_me(world):
    response = signed_in(world.hanako).get("/mypage/data/")
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="openlab-my-data-')
    assert response["Cache-Control"].startswith("max-age=0")
    data = json.loads(response.content)
    assert data["account"]["username"] == USERNAME and data["account"]["email"] == EMAIL
    assert data["profile"]["display_name"] == DISPLAY_NAME
    assert {row["event"] for row in data["event_registrations"]} == {
        "こども食堂ワークショップ",
        "そらいち東村山",
    }
    assert {row["name"] for row in data["follows"]} == {
        "4. 質の高い教育をみんなに",
        "くめがわこども食堂",
    }
    assert "ワークショップの会場が変わりました" in [row["title"] for row in data["notifications"]]
    assert [row["body"] for row in data["chat_messages"]] == ["野菜の余りを集めます"]
    assert [row["reason"] for row in data["chat_reports"]] == ["宣伝のようです"]
    assert [row["stakeholder"]["title"] for row in data["partner_applications"]] == [
        "くめがわこども食堂"
    ]
    # Only mine: the other person's address is not in my archive.
    assert "satoshi@example.jp" not in response.content.decode()


def test_download_needs_sign_in(client, world):
    assert client.get("/mypage/data/").status_code == 302


def test_every_user_foreign_key_is_handled():
    """A new model pointing at the user must be added to export_data and delete_account,
    and then here (its fate when the account goes)."""
    User = get_user_model()
    found = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is User
    }
    handled = {
        # Deleted with the account (exported first where they are the person's own).
        "accounts.Profile.user", "accounts.PartnerMembership.user", "chat.Membership.user",
        "chat.Presence.user", "chat.UnreadEmail.user",
        "chat.Action.user", "notifications.Notification.user",
        "notifications.Follow.user", "notifications.InterestSettings.user",
        "notifications.DigestDelivery.user", "projects.AmbassadorAccount.user",
        "events.Registration.user", "account.EmailAddress.user", "wagtailusers.UserProfile.user",
        "wagtailadmin.EditingSession.user", "wagtailadmin.FormState.user",
        "wagtailcore.APIToken.user", "wagtailcore.Comment.user", "wagtailcore.CommentReply.user",
        "wagtailcore.PageSubscription.user", "admin.LogEntry.user", "auth.User_groups.user",
        "auth.User_user_permissions.user",
        # Kept, moved to 「退会したユーザー」.
        "chat.Message.sender", "chat.Report.reporter",
        # Kept, pointing at nobody (what someone else decided, or a page's history).
        "accounts.PartnerMembership.decided_by", "chat.Membership.removed_by",
        "chat.Message.hidden_by", "chat.Report.resolved_by", "matching.MatchProposal.proposed_by",
        "matching.MatchDecision.user", "projects.AmbassadorAccount.created_by",
        "wagtaildocs.Document.uploaded_by_user", "wagtailimages.Image.uploaded_by_user",
        "wagtailcore.ModelLogEntry.user", "wagtailcore.Revision.user",
        "wagtailcore.UploadedFile.uploaded_by_user", "wagtailcore.WorkflowState.requested_by",
        "wagtailcore.TaskState.finished_by", "wagtailcore.Page.locked_by",
        "wagtailcore.Page.owner", "wagtailcore.PageLogEntry.user",
        "wagtailcore.Comment.resolved_by",
    }  # fmt: skip
    # Page types inherit owner/locked_by from wagtailcore.Page.
    found = {name for name in found if not name.endswith((".owner", ".locked_by"))} | {
        "wagtailcore.Page.owner", "wagtailcore.Page.locked_by"
    }  # fmt: skip
    assert found == handled, {"new": found - handled, "gone": handled - found}


def dump():
    out = io.StringIO()
    call_command("dumpdata", "--natural-foreign", "--format=json", stdout=out,
                 exclude=["contenttypes", "auth.permission"])  # fmt: skip
    return json.loads(out.getvalue())


def rows_mentioning(rows, *needles):
    text = lambda row: json.dumps(row, ensure_ascii=False)  # noqa: E731
    return [row for row in rows if any(needle in text(row) for needle in needles)]


def test_delete_account_leaves_nothing_personal(world):
    hanako_id = world.hanako.pk
    other_device = signed_in(world.hanako)
    client = signed_in(world.hanako)
    page = client.get("/mypage/delete/").content.decode()
    assert "元に戻せません" in page and "退会したユーザー" in page

    response = client.post("/mypage/delete/", {"password": PASSWORD, "confirm": "on"})
    assert "アカウントを削除しました" in response.content.decode()

    assert not get_user_model().objects.filter(pk=hanako_id).exists()
    # Signed out here and on every other device.
    assert client.get("/mypage/").status_code == 302
    assert other_device.get("/mypage/").status_code == 302
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(hanako_id)
    ]
    # Her upcoming seat went to the waitlist; her registrations are gone.
    world.waiting.refresh_from_db()
    assert world.waiting.status == RegistrationStatus.CONFIRMED
    assert not Registration.objects.filter(email=EMAIL).exists()
    # What she said stays in the conversation, under 「退会したユーザー」.
    message = Message.objects.get(pk=world.message.pk)
    assert message.body == "野菜の余りを集めます"
    assert message.sender.username == services.DELETED_USERNAME
    assert not message.sender.is_active and not message.sender.has_usable_password()
    room = signed_in(world.other).get(f"/chat/{world.room.pk}/").content.decode()
    assert "退会したユーザー" in room and DISPLAY_NAME not in room
    assert ChatReport.objects.get(reason="宣伝のようです").reporter == message.sender
    # The organisation's page stays with the organisation.
    assert StakeholderPage.objects.live().filter(pk=world.organisation.pk).exists()

    # Nothing in the whole database names her, except what is legitimately kept:
    # the other member's chat notification quoting her message under the name she had
    # then (their copy of the conversation, like a delivered e-mail).
    leftovers = rows_mentioning(dump(), USERNAME, EMAIL, DISPLAY_NAME)
    kept = [row for row in leftovers if row["model"] == "notifications.notification"
            and row["fields"]["user"] == [world.other.username]]  # fmt: skip
    assert leftovers == kept, leftovers


def test_delete_needs_the_password_and_the_confirmation(world):
    client = signed_in(world.hanako)
    wrong = client.post("/mypage/delete/", {"password": "not-it", "confirm": "on"})
    assert wrong.status_code == 400
    assert "パスワードが正しくありません" in wrong.content.decode()
    unticked = client.post("/mypage/delete/", {"password": PASSWORD})
    assert unticked.status_code == 400
    assert "削除するには、このチェックを入れてください" in unticked.content.decode()
    assert get_user_model().objects.filter(pk=world.hanako.pk).exists()
    assert Registration.objects.filter(user=world.hanako).count() == 2


def test_delete_is_all_or_nothing(world, monkeypatch):
    def broken(user):
        raise RuntimeError("the session store failed")

    monkeypatch.setattr(services, "_delete_sessions", broken)
    with pytest.raises(RuntimeError):
        services.delete_account(world.hanako)
    assert get_user_model().objects.filter(pk=world.hanako.pk).exists()
    mine = Registration.objects.get(user=world.hanako, occurrence=world.upcoming)
    assert mine.status == RegistrationStatus.CONFIRMED
    world.waiting.refresh_from_db()
    assert world.waiting.status == RegistrationStatus.WAITLISTED
    assert Message.objects.get(pk=world.message.pk).sender == world.hanako


def test_two_people_leaving_keep_their_messages_and_reports_apart(world):
    """Both messages and reports stay although the one account takes both people's."""
    from openlab.chat import services as chat

    theirs = Message.objects.exclude(sender=world.hanako).get()
    chat.report_message(world.other, world.message.pk, "重複の確認")
    services.delete_account(world.hanako)
    world.other.refresh_from_db()
    Message.objects.filter(sender=world.other).update(client_key="hanako-key-0001")
    services.delete_account(world.other)
    assert Message.objects.filter(sender__username=services.DELETED_USERNAME).count() == 2
    assert ChatReport.objects.filter(message=theirs).count() == 1
    assert ChatReport.objects.filter(message=world.message).count() == 1


def test_childrens_accounts_are_closed_by_a_facilitator(world):
    from openlab.accounts.models import Role

    world.hanako.profile.role = Role.AMBASSADOR
    world.hanako.profile.save()
    client = signed_in(world.hanako)
    response = client.post("/mypage/delete/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 403
    assert "保護者の方からファシリテーターに連絡" in response.content.decode()
    assert get_user_model().objects.filter(pk=world.hanako.pk).exists()
