"""マイページ: what a signed-in person sees about themselves, their data, and leaving.

Rules only; openlab.mypage.views stays thin. The data archive (個人情報保護法の開示請求)
and account deletion both walk every model that points at the user: a new model with a
foreign key to the user belongs in `export_data` and in `delete_account` (the test
tests/mypage/test_account_data.py::test_every_user_foreign_key_is_handled names them all).
"""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat, Replace
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events import services as event_services
from events.models import ACTIVE_STATUSES, Registration
from openlab import dates
from openlab.accounts.models import PartnerMembership, Profile, Role
from openlab.accounts.permissions import role_of
from openlab.chat.models import Membership, Message
from openlab.chat.models import Report as ChatReport
from openlab.notifications.models import DigestDelivery, Follow, InterestSettings, Notification

NOTIFICATIONS_SHOWN = 20

# The one account that keeps what departed people wrote in shared places (chat messages
# and their reports). The colon cannot be typed in a sign-up or admin form, so no real
# person can ever hold this name.
DELETED_USERNAME = "openlab:deleted-user"
DELETED_NAME = "退会したユーザー"


class AccountError(ValueError):
    """Something a person cannot do with their account; the message is for them."""


# --- the page ------------------------------------------------------------------------------
def my_registrations(user, now=None):
    """(upcoming, past): the person's registrations, nearest first / latest first."""
    now = now or timezone.now()
    rows = Registration.objects.filter(user=user).select_related("occurrence__event")
    upcoming = rows.filter(occurrence__end__gte=now).order_by("occurrence__start", "pk")
    past = rows.filter(occurrence__end__lt=now).order_by("-occurrence__start", "-pk")
    return list(upcoming), list(past)


def my_follows(user):
    return list(
        Follow.objects.filter(user=user)
        .select_related("goal", "town", "stakeholder", "project")
        .order_by("target", "pk")
    )


def my_notifications(user, limit=NOTIFICATIONS_SHOWN):
    return list(Notification.objects.filter(user=user)[:limit])


def cancel_my_registration(user, registration_id):
    """Cancel one of the person's own registrations through the same service the e-mail
    cancel link uses (a freed seat goes to the waitlist). AccountError when it is not theirs."""
    registration = Registration.objects.filter(pk=registration_id, user=user).first()
    if registration is None:
        raise AccountError(_("その申込は見つかりません。"))
    try:
        return event_services.cancel_registration(registration.pk)
    except event_services.RegistrationError as error:
        raise AccountError(str(error)) from None


# --- download my data ----------------------------------------------------------------------
def _when(value):
    return dates.rfc3339(value)


def _page_ref(page):
    return {"id": page.pk, "title": page.title, "url": page.url} if page else None


def export_data(user):
    """Everything the site holds about `user`, as plain JSON-ready data."""
    from projects.models import AmbassadorAccount, ReportPage

    profile = Profile.objects.filter(user=user).first()
    settings_row = InterestSettings.objects.filter(user=user).first()
    ambassador = AmbassadorAccount.objects.filter(user=user).select_related("group").first()
    return {
        "format": "openlab-personal-data/1",
        "exported_at": _when(timezone.now()),
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        },
        "email_addresses": [
            {"email": row.email, "verified": row.verified, "primary": row.primary}
            for row in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "profile": {
            "role": profile.role,
            "display_name": profile.display_name,
            "nickname": profile.nickname,
            "grade": profile.grade,
            "guardian_consent_by": profile.guardian_consent_by,
            "guardian_consent_at": _when(profile.guardian_consent_at),
        }
        if profile
        else None,
        "ambassador_account": {"group": _page_ref(ambassador.group)} if ambassador else None,
        "event_registrations": [
            {
                "event": row.occurrence.event.title,
                "date": _when(row.occurrence.date),
                "start": _when(row.occurrence.start),
                "url": row.occurrence.get_url(),
                "status": row.status,
                "name": row.name,
                "email": row.email,
                "created_at": _when(row.created_at),
                "confirmed_at": _when(row.confirmed_at),
                "cancelled_at": _when(row.cancelled_at),
            }
            for row in _registrations_of(user).select_related("occurrence__event")
        ],
        "follows": [
            {"target": row.target, "name": str(row.target_object), "since": _when(row.created_at)}
            for row in my_follows(user)
        ],
        "interest_settings": {
            "frequency": settings_row.frequency,
            "unsubscribed_at": _when(settings_row.unsubscribed_at),
        }
        if settings_row
        else None,
        "notifications": [
            {
                "kind": row.kind,
                "title": row.title,
                "body": row.body,
                "url": row.url,
                "created_at": _when(row.created_at),
                "read_at": _when(row.read_at),
            }
            for row in Notification.objects.filter(user=user)
        ],
        "digest_emails": [
            {"period": row.period_key, "status": row.status, "sent_at": _when(row.sent_at)}
            for row in DigestDelivery.objects.filter(user=user)
        ],
        "chat_rooms": [
            {
                "room": row.room.title,
                "joined_at": _when(row.joined_at),
                "left_at": _when(row.removed_at),
            }
            for row in Membership.objects.filter(user=user).select_related("room")
        ],
        "chat_messages": [
            {
                "room": row.room.title,
                "body": row.body,
                "created_at": _when(row.created_at),
                "edited_at": _when(row.edited_at),
                "deleted_at": _when(row.deleted_at),
            }
            for row in Message.objects.filter(sender=user).select_related("room").order_by("pk")
        ],
        "chat_reports": [
            {
                "message": row.message.body[:200],
                "reason": row.reason,
                "status": row.status,
                "created_at": _when(row.created_at),
            }
            for row in ChatReport.objects.filter(reporter=user).select_related("message")
        ],
        "partner_applications": [
            {
                "stakeholder": _page_ref(row.stakeholder),
                "status": row.status,
                "message": row.message,
                "new_stakeholder": row.new_stakeholder,
                "created_at": _when(row.created_at),
                "decided_at": _when(row.decided_at),
            }
            for row in PartnerMembership.objects.filter(user=user).select_related("stakeholder")
        ],
        "kids_reports": [
            {**_page_ref(page), "date": _when(page.date), "published": page.live}
            for page in ReportPage.objects.filter(owner=user).order_by("pk")
        ],
    }


# --- delete my account ---------------------------------------------------------------------
def can_delete_account(user):
    """Children's accounts are made by facilitators with a guardian's consent, and are closed
    the same way; everyone else closes their own."""
    return role_of(user) != Role.AMBASSADOR


def deleted_user():
    """The shared 「退会したユーザー」 account (inactive, no password, no e-mail)."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=DELETED_USERNAME, defaults={"is_active": False, "email": ""}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Profile.objects.update_or_create(
        user=user, defaults={"role": Role.CITIZEN, "display_name": DELETED_NAME}
    )
    return user


def _verified_emails(user):
    emails = set(
        EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    )
    return {email.lower() for email in emails}


def _registrations_of(user):
    """The person's registrations: made signed in, or as a visitor with a verified address."""
    emails = _verified_emails(user)
    return Registration.objects.filter(Q(user=user) | Q(user__isnull=True, email__in=emails))


def _delete_sessions(user):
    """Every session signed in as `user` (database sessions hold only the user's id, but a
    deleted account leaves none behind)."""
    user_id = str(user.pk)
    stale = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == user_id
    ]
    Session.objects.filter(pk__in=stale).delete()


def _scrub_log_labels(user):
    """Wagtail's audit log keeps each object's name as it was (a partner approval is logged
    as "username → organisation"): the entries stay, the person's names in them go."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ModelLogEntry

    from projects.models import AmbassadorAccount

    about_people = ContentType.objects.get_for_models(
        get_user_model(), Profile, PartnerMembership, AmbassadorAccount, EmailAddress
    ).values()
    profile = Profile.objects.filter(user=user).first()
    names = {user.get_username(), user.email, profile.display_name if profile else ""}
    for name in sorted(filter(None, names), key=len, reverse=True):
        ModelLogEntry.objects.filter(content_type__in=about_people, label__contains=name).update(
            label=Replace("label", Value(name), Value(DELETED_NAME))
        )


@transaction.atomic
def delete_account(user):
    """Close the account for good, all or nothing.

    Goes: the account, profile, e-mail addresses, registrations (upcoming ones are cancelled
    first so their seats go to the waitlist), follows, notifications, digests, chat room
    memberships, partner applications and sessions. Stays, under 「退会したユーザー」: chat
    messages and the reports the person made about messages. Pages they edited stay with
    their organisation (Wagtail keeps them with no owner).
    """
    if user.get_username() == DELETED_USERNAME:
        raise AccountError(_("このアカウントは削除できません。"))
    if not can_delete_account(user):
        raise AccountError(
            _("こどもSDGs大使のアカウントは、保護者の方からファシリテーターに連絡して削除します。")
        )
    now = timezone.now()
    registrations = _registrations_of(user)
    for registration in registrations.filter(status__in=ACTIVE_STATUSES, occurrence__start__gt=now):
        event_services.cancel_registration(registration.pk)
    registrations.delete()

    ghost = deleted_user()
    # Messages keep their place in the conversation; their idempotency keys are renamed so
    # several departed people's keys never collide under the one account.
    Message.objects.filter(sender=user).update(
        sender=ghost,
        client_key=Concat(Value("deleted-"), Cast("pk", output_field=CharField())),
    )
    already = ChatReport.objects.filter(reporter=ghost).values("message_id")
    ChatReport.objects.filter(reporter=user, message_id__in=already).delete()
    ChatReport.objects.filter(reporter=user).update(reporter=ghost)

    _scrub_log_labels(user)
    # Explicit before the cascade, so partner rights are withdrawn by the usual signals.
    for membership in PartnerMembership.objects.filter(user=user):
        membership.delete()
    _delete_sessions(user)
    user.delete()
