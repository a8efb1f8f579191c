"""The rules of chat. Views, consumers, tasks and the admin call these functions.

A message is stored first (with its sender's idempotency key), and only then
broadcast to the room's group; a client that missed a broadcast fetches what
it missed by id, so an acknowledged message is never lost.
"""

import datetime as dt
import json
import logging
import re
import unicodedata
from importlib import import_module

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from openlab import dates
from openlab.accounts.models import PartnerMembership, Role
from openlab.accounts.permissions import approved_stakeholder_ids, is_ambassador
from openlab.chat.models import Action, Membership, Message, Presence, Report, Room

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 4000
MAX_REASON_LENGTH = 500
RATE_LIMIT_COUNT = 10
RATE_LIMIT_SECONDS = 10
PAGE_SIZE = 50
SYNC_LIMIT = 200
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
URL_PATTERN = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+")
URL_TRAILING = ".,!?:;)"


def presence_ttl():
    return getattr(settings, "CHAT_PRESENCE_TTL_SECONDS", 90)


class ChatError(Exception):
    """A refused action: `code` for programs, `message` (Japanese) for people."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def display_name(user):
    profile = getattr(user, "profile", None)
    return str(profile.public_name) if profile else user.get_username()


def group_name(room_id):
    """The room's group of sockets: each member's socket hears removals through it."""
    return f"chat.room.{int(room_id)}"


def frames_group_name(room_id):
    """The room's frames (messages, updates, presence): one channel per process listens and
    forwards each frame to its sockets in the room (openlab/chat/fanout.py)."""
    return f"chat.room.{int(room_id)}.frames"


def broadcast_group(room_id, event):
    """Where `event` goes: frames to the room's frames group, anything else to its sockets."""
    if event["type"] == "chat.frame":
        return frames_group_name(room_id)
    return group_name(room_id)


# --- who may be where ---------------------------------------------------------------


def can_join(user, room):
    """True when `user` is a current member of `room` (a Room or its pk)."""
    if user is None or not user.is_authenticated or not user.is_active or is_ambassador(user):
        return False
    room_id = room.pk if isinstance(room, Room) else room
    return Membership.objects.filter(room_id=room_id, user=user, removed_at__isnull=True).exists()


def is_partner_user(user):
    return (
        user.is_authenticated
        and user.is_active
        and not is_ambassador(user)
        and bool(approved_stakeholder_ids(user))
    )


def _eligible(users):
    """Active users who are not kids' ambassadors."""
    return [u for u in users if u.is_active and not is_ambassador(u)]


def add_member(room, user):
    """Add `user` to `room`. Kids' ambassadors are refused; a removed member stays removed."""
    if is_ambassador(user):
        raise ChatError("ambassador", _("こどもSDGs大使はチャットルームに参加できません。"))
    membership, _created = Membership.objects.get_or_create(room=room, user=user)
    return membership


def _add_members(room, users):
    for user in _eligible(users):
        Membership.objects.get_or_create(room=room, user=user)


def _partners_of(stakeholder_ids):
    return (
        get_user_model()
        .objects.filter(
            memberships__stakeholder_id__in=list(stakeholder_ids),
            memberships__status=PartnerMembership.Status.APPROVED,
            is_active=True,
        )
        .select_related("profile")
        .distinct()
    )


def _facilitators():
    return (
        get_user_model()
        .objects.filter(profile__role=Role.FACILITATOR, is_active=True)
        .select_related("profile")
    )


# --- who is in a project or match room -------------------------------------------------------
# A room's members are the approved partners of its stakeholders plus facilitators. When a
# partnership ends, or a stakeholder leaves a project, its people leave the room (their open
# sockets are closed); a member a facilitator removed stays removed.


@transaction.atomic
def sync_room(room, stakeholder_ids, facilitators=()):
    """Make `room` the room of `stakeholder_ids`: their approved partners and `facilitators`
    join, members who are neither a facilitator nor such a partner leave."""
    stakeholder_ids = set(stakeholder_ids) - {None}
    room.stakeholders.set(stakeholder_ids)
    _add_members(room, [*_partners_of(stakeholder_ids), *facilitators])
    _drop_outsiders(room, stakeholder_ids)


def _drop_outsiders(room, stakeholder_ids):
    entitled = get_user_model().objects.filter(
        Q(
            memberships__stakeholder_id__in=list(stakeholder_ids),
            memberships__status=PartnerMembership.Status.APPROVED,
        )
        | Q(profile__role=Role.FACILITATOR),
        is_active=True,
    )
    leaving = Membership.objects.filter(room=room, removed_at__isnull=True).exclude(
        user__in=entitled.values("pk")
    )
    user_ids = list(leaving.values_list("user_id", flat=True))
    if not user_ids:
        return
    leaving.delete()
    Presence.objects.filter(room=room, user_id__in=user_ids).delete()
    for user_id in user_ids:
        transaction.on_commit(
            lambda user_id=user_id: publish(room.pk, {"type": "chat.removed", "user_id": user_id})
        )


def sync_rooms_of_stakeholder(stakeholder_id):
    """After a partnership of `stakeholder_id` was approved or ended: every room of that
    stakeholder gets its new partners and loses those who are no longer partners."""
    rooms = Room.objects.filter(stakeholders=stakeholder_id).prefetch_related("stakeholders")
    for room in rooms:
        sync_room(room, [s.pk for s in room.stakeholders.all()])


def room_for_project(project):
    """The project's room: approved partners of its lead and partner stakeholders, and the
    facilitators. Idempotent: call it again when the project's stakeholders change."""
    room, _created = Room.objects.get_or_create(
        key=f"project:{project.pk}",
        defaults={"kind": Room.Kind.PROJECT, "title": project.title[:200], "project": project},
    )
    stakeholder_ids = {project.lead_id, *project.partners.values_list("pk", flat=True)}
    sync_room(room, stakeholder_ids, facilitators=_facilitators())
    return room


def open_room_for_match(stakeholder_ids, title, facilitator):
    """The room of an accepted match proposal: the partners of both sides (for a project,
    its lead and partner stakeholders on one side) and the facilitator who accompanies it.
    The same stakeholders always get the same room."""
    key = "match:" + ":".join(str(pk) for pk in sorted(set(stakeholder_ids)))
    room, _created = Room.objects.get_or_create(
        key=key[:100], defaults={"kind": Room.Kind.MATCH, "title": title[:200]}
    )
    sync_room(room, stakeholder_ids, facilitators=[facilitator] if facilitator else [])
    return room


def accompanying_facilitator(preferred=None):
    """The facilitator who joins a match room: the one who proposed the match, else the
    facilitator in the fewest match rooms (the work is shared), else nobody."""
    if preferred is not None:
        return preferred
    return (
        _facilitators()
        .annotate(
            match_rooms=Count(
                "chat_memberships", filter=Q(chat_memberships__room__kind=Room.Kind.MATCH)
            )
        )
        .order_by("match_rooms", "pk")
        .first()
    )


@transaction.atomic
def open_direct(user, other):
    """A direct conversation between two partner users (never with a kids' ambassador)."""
    if user.pk == other.pk:
        raise ChatError("self", _("自分自身とは会話を始められません。"))
    if not (is_partner_user(user) and is_partner_user(other)):
        raise ChatError(
            "not_partner", _("ダイレクトメッセージはパートナー同士でのみ利用できます。")
        )
    low, high = sorted([user.pk, other.pk])
    room, created = Room.objects.get_or_create(
        key=f"direct:{low}:{high}",
        defaults={
            "kind": Room.Kind.DIRECT,
            "title": f"{display_name(user)} / {display_name(other)}"[:200],
        },
    )
    if created:
        Membership.objects.create(room=room, user=user)
        Membership.objects.create(room=room, user=other)
    return room


def active_member_ids(room_id):
    return set(
        Membership.objects.filter(room_id=room_id, removed_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )


# --- messages -----------------------------------------------------------------------


def clean_body(body):
    if not isinstance(body, str):
        raise ChatError("invalid_body", _("メッセージは文字列で送ってください。"))
    body = body.strip()
    if not body:
        raise ChatError("empty", _("メッセージが空です。"))
    if "\x00" in body:  # PostgreSQL cannot store it (it was a 500 and a dropped socket)
        raise ChatError("invalid_body", _("メッセージに使えない文字（NUL）が含まれています。"))
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ChatError(
            "too_long",
            _("メッセージは%(max)d文字以内にしてください（%(len)d文字）。")
            % {"max": MAX_MESSAGE_LENGTH, "len": len(body)},
        )
    return body


def _require_member(user, room_id):
    if not can_join(user, room_id):
        raise ChatError("not_member", _("このルームのメンバーではありません。"))


def send_message(user, room_id, body, client_key):
    """Store a message. Returns (message, created); a resend with the same key returns the
    stored message with created False. Raises ChatError for anything refused (nothing stored)."""
    if not isinstance(client_key, str) or not KEY_PATTERN.match(client_key):
        raise ChatError("invalid_key", _("送信キーが不正です（英数字8〜64文字）。"))
    existing = _existing(user, client_key)
    if existing is not None:
        if existing.room_id != int(room_id):
            raise ChatError("invalid_key", _("この送信キーは別のルームで使われています。"))
        return existing, False
    body = clean_body(body)
    _require_member(user, room_id)
    # Read before the write transaction: on SQLite it holds the database's one write lock
    # (BEGIN IMMEDIATE), which every other process's sender waits for.
    mentioned, offline = _who_to_tell(user, room_id, body)
    try:
        with transaction.atomic():
            _check_rate(user)
            message = Message.objects.create(
                room_id=room_id, sender=user, body=body, client_key=client_key
            )
            Membership.objects.filter(room_id=room_id, user=user).update(
                last_read_id=message.pk, unread_since=None
            )
            _tell(message, mentioned, offline)
    except IntegrityError:
        existing = _existing(user, client_key)
        if existing is None:
            raise
        return existing, False
    return message, True


def _check_rate(user, record=False):
    """Messages, edits and deletes share one limit: RATE_LIMIT_COUNT in RATE_LIMIT_SECONDS
    per user (200 edits in 4 s reached every member before). Called inside the writing
    transaction; the user's row lock makes it hold across processes. `record`: the action
    is an edit or a delete (a message counts by its own created_at)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    since = now - dt.timedelta(seconds=RATE_LIMIT_SECONDS)
    Action.objects.filter(user=user, at__lt=since).delete()
    recent = (
        Message.objects.filter(sender=user, created_at__gte=since).count()
        + Action.objects.filter(user=user, at__gte=since).count()
    )
    if recent >= RATE_LIMIT_COUNT:
        raise ChatError(
            "slow_down",
            _(
                "送信・編集・削除が速すぎます。少し待ってからもう一度どうぞ"
                "（合わせて%(seconds)d秒間に%(count)d件まで）。"
            )
            % {"seconds": RATE_LIMIT_SECONDS, "count": RATE_LIMIT_COUNT},
        )
    if record:
        Action.objects.create(user=user, at=now)


def _existing(user, client_key):
    """The message already stored under this key, if any. Asked before every send, and almost
    always answered "none": a plain indexed look-up, the joins only for an actual resend."""
    found = Message.objects.filter(sender=user, client_key=client_key).values_list("pk").first()
    return _with_sender(found[0]) if found else None


def _with_sender(message_id):
    return Message.objects.select_related("sender__profile").get(pk=message_id)


def _who_to_tell(sender, room_id, body):
    """Who hears of a new message other than live: the members it mentions, and the members
    not online in the room. One query for each, the first only when the body has an @."""
    others = Membership.objects.filter(room_id=room_id, removed_at__isnull=True).exclude(
        user=sender
    )
    mentioned = []
    if "@" in body or "＠" in body:  # a full-width ＠ is an @ too
        members = [m.user for m in others.select_related("user__profile")]
        mentioned = mentioned_members(body, members)
    # Members online in the room see the message live; the others are told. One query with
    # a subquery: a busy room's online ids never travel to Python and back.
    offline = list(others.exclude(user_id__in=_online(room_id)).select_related("user"))
    return mentioned, offline


def _mention_key(text):
    """Names compare with widths and case folded: ＡＢＣ, abc and ABC are one name, and a
    full-width space is a space."""
    return unicodedata.normalize("NFKC", text).casefold()


_ASCII_WORD = re.compile(r"[a-z0-9_]")


def mentioned_members(body, members):
    """The `members` that `body` mentions as `@display name` (what the room shows; the
    picker writes it). At each @, the longest display name that follows wins, so
    `@田中 太郎` is not `@田中`, and `@アリスさん` is アリス; a name ending in a Latin letter
    or digit must end there (`@bobby` is not bob). Members who share a name are all
    mentioned: the room cannot tell them apart either. An @ inside a word (an e-mail
    address) mentions nobody."""
    by_name = {}
    for user in members:
        name = _mention_key(display_name(user)).strip()
        if name:
            by_name.setdefault(name, []).append(user)
    names = sorted(by_name, key=len, reverse=True)
    text = _mention_key(body)
    found = {}
    for at in (i for i, char in enumerate(text) if char == "@"):
        if at and _ASCII_WORD.match(text[at - 1]):
            continue
        rest = text[at + 1 :]
        for name in names:
            if rest.startswith(name) and not (
                _ASCII_WORD.match(name[-1]) and _ASCII_WORD.match(rest[len(name) : len(name) + 1])
            ):
                for user in by_name[name]:
                    found[user.pk] = user
                break
    return list(found.values())


def _tell(message, mentioned, offline):
    """Mentions and offline members: notifications, and the unread e-mail's clock."""
    from openlab.notifications.models import Notification
    from openlab.notifications.services import notify

    if not (mentioned or offline):
        return
    url = f"/chat/{message.room_id}/"
    sender_name = display_name(message.sender)
    for user in mentioned:
        notify(
            user,
            "chat_mention",
            _("%(name)sさんが「%(room)s」であなたをメンションしました")
            % {"name": sender_name, "room": message.room.title},
            url=url,
            body=message.body[:200],
        )
    if not offline:
        return
    Membership.objects.filter(pk__in=[m.pk for m in offline], unread_since__isnull=True).update(
        unread_since=message.created_at
    )
    already = set(
        Notification.objects.filter(
            user_id__in=[m.user_id for m in offline],
            kind="chat_message",
            url=url,
            read_at__isnull=True,
        ).values_list("user_id", flat=True)
    )
    for membership in offline:
        if membership.user_id not in already:
            notify(
                membership.user,
                "chat_message",
                _("「%(room)s」に新しいメッセージがあります") % {"room": message.room.title},
                url=url,
                body=f"{sender_name}: {message.body[:200]}",
            )


def _own_message(user, room_id, message_id):
    """The user's own visible message in `room_id`. A message of another room is "not found"
    even where the user is a member too: a frame acts only in its own socket's room."""
    message = (
        Message.objects.select_related("sender__profile")
        .filter(pk=message_id, room_id=room_id)
        .first()
        if isinstance(message_id, int)
        else None
    )
    if message is None or not can_join(user, message.room_id):
        raise ChatError("not_found", _("メッセージが見つかりません。"))
    if message.sender_id != user.pk:
        raise ChatError("forbidden", _("自分のメッセージだけを編集・削除できます。"))
    if not message.visible:
        raise ChatError("gone", _("このメッセージは削除されています。"))
    return message


@transaction.atomic
def edit_message(user, room_id, message_id, body):
    message = _own_message(user, room_id, message_id)
    body = clean_body(body)
    _check_rate(user, record=True)
    message.body = body
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "edited_at"])
    return message


@transaction.atomic
def delete_message(user, room_id, message_id):
    message = _own_message(user, room_id, message_id)
    _check_rate(user, record=True)
    message.deleted_at = timezone.now()
    message.save(update_fields=["deleted_at"])
    return message


def report_message(user, message_id, reason="", room_id=None):
    """Any member who can see a message may report it (once); from a room's socket, only a
    message of that room (`room_id`)."""
    if not isinstance(reason, str):
        raise ChatError("invalid_reason", _("通報の理由は文字列で送ってください。"))
    reason = reason.strip()
    if "\x00" in reason:  # PostgreSQL cannot store it
        raise ChatError("invalid_reason", _("通報の理由に使えない文字（NUL）が含まれています。"))
    if len(reason) > MAX_REASON_LENGTH:
        raise ChatError(
            "too_long",
            _("通報の理由は%(max)d文字以内にしてください。") % {"max": MAX_REASON_LENGTH},
        )
    message = Message.objects.filter(pk=message_id).first() if isinstance(message_id, int) else None
    if room_id is not None and message is not None and message.room_id != int(room_id):
        message = None
    if message is None or not can_join(user, message.room_id):
        raise ChatError("not_found", _("メッセージが見つかりません。"))
    report, _created = Report.objects.get_or_create(
        message=message, reporter=user, defaults={"reason": reason}
    )
    return report


@transaction.atomic
def hide_message(message, by):
    """A facilitator hides a message: it disappears for everyone, live."""
    if message.hidden_at is None:
        message.hidden_at = timezone.now()
        message.hidden_by = by
        message.save(update_fields=["hidden_at", "hidden_by"])
    Report.objects.filter(message=message, status=Report.Status.OPEN).update(
        status=Report.Status.HIDDEN, resolved_at=timezone.now(), resolved_by=by
    )
    message = _with_sender(message.pk)
    transaction.on_commit(lambda: publish(message.room_id, update_event(message)))
    return message


@transaction.atomic
def remove_member(room, user, by):
    """A facilitator removes a member: their open sockets are closed, they cannot rejoin."""
    Membership.objects.filter(room=room, user=user, removed_at__isnull=True).update(
        removed_at=timezone.now(), removed_by=by
    )
    Presence.objects.filter(room=room, user=user).delete()
    Report.objects.filter(
        message__room=room, message__sender=user, status=Report.Status.OPEN
    ).update(status=Report.Status.REMOVED, resolved_at=timezone.now(), resolved_by=by)
    transaction.on_commit(lambda: publish(room.pk, {"type": "chat.removed", "user_id": user.pk}))


def dismiss_report(report, by):
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.DISMISSED, resolved_at=timezone.now(), resolved_by=by
    )


# --- reading ------------------------------------------------------------------------


def serialize(message):
    shown = message.visible
    created = timezone.localtime(message.created_at)
    return {
        "id": message.pk,
        "room": message.room_id,
        "key": message.client_key,
        "sender": {"id": message.sender_id, "name": display_name(message.sender)},
        "body": message.body if shown else "",
        "created_at": dates.rfc3339(created),
        "time": created.strftime("%m/%d %H:%M"),
        "edited": message.edited_at is not None and shown,
        "deleted": message.deleted_at is not None,
        "hidden": message.hidden_at is not None and message.deleted_at is None,
    }


def frame_event(kind, payload):
    """The channel-layer event that carries a `message` or `update` frame to a room. The frame
    is JSON text made here, once: each process forwards it as it is to its sockets in the room
    (openlab/chat/fanout.py), so a room of 200 costs one serialisation, not 200, and no
    database."""
    frame = {"type": kind, "message": payload}
    return {"type": "chat.frame", "text": json.dumps(frame, ensure_ascii=False)}


def presence_event(presence):
    frame = {"type": "presence", **presence}
    return {"type": "chat.frame", "text": json.dumps(frame, ensure_ascii=False)}


def message_event(message):
    return frame_event("message", serialize(message))


def update_event(message):
    return frame_event("update", serialize(message))


def _room_messages(room_id):
    return Message.objects.filter(room_id=room_id).select_related("sender__profile")


def messages_before(room_id, before=None, limit=PAGE_SIZE):
    """Up to `limit` messages older than id `before` (newest when None), oldest first,
    and whether older ones remain."""
    qs = _room_messages(room_id)
    if before is not None:
        qs = qs.filter(pk__lt=before)
    page = list(qs.order_by("-pk")[: limit + 1])
    has_more = len(page) > limit
    return list(reversed(page[:limit])), has_more


def messages_after(room_id, after, limit=SYNC_LIMIT):
    """Messages newer than id `after`, oldest first, and whether more remain."""
    page = list(_room_messages(room_id).filter(pk__gt=after).order_by("pk")[: limit + 1])
    return page[:limit], len(page) > limit


def last_message_id(room_id):
    return (
        Message.objects.filter(room_id=room_id).order_by("-pk").values_list("pk", flat=True).first()
        or 0
    )


def mark_read(user, room_id, upto_id):
    """Everything up to `upto_id` is read (never moves backwards)."""
    latest = Message.objects.filter(room_id=room_id, pk__lte=upto_id).order_by("-pk").first()
    if latest is None:
        return
    Membership.objects.filter(room_id=room_id, user=user, last_read_id__lt=latest.pk).update(
        last_read_id=latest.pk
    )
    if not Message.objects.filter(room_id=room_id, pk__gt=latest.pk).exclude(sender=user).exists():
        Membership.objects.filter(room_id=room_id, user=user).update(unread_since=None)
        from openlab.notifications import services as notifications
        from openlab.notifications.models import Notification

        read = Notification.objects.filter(
            user=user, kind="chat_message", url=f"/chat/{int(room_id)}/", read_at__isnull=True
        ).update(read_at=timezone.now())
        forget_badge = getattr(notifications, "forget_badge", None)
        if read and forget_badge is not None:
            forget_badge(user)


def unread_messages(membership):
    return (
        Message.objects.filter(
            room_id=membership.room_id,
            pk__gt=membership.last_read_id,
            deleted_at__isnull=True,
            hidden_at__isnull=True,
        )
        .exclude(sender_id=membership.user_id)
        .order_by("pk")
    )


def user_rooms(user, limit=200):
    """The user's rooms with unread counts and the last message, newest activity first.
    One query whatever the number of rooms."""
    visible = Message.objects.filter(
        room=OuterRef("room"), deleted_at__isnull=True, hidden_at__isnull=True
    )
    last = visible.order_by("-pk")
    unread = (
        visible.filter(pk__gt=OuterRef("last_read_id"))
        .exclude(sender=OuterRef("user"))
        .values("room")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        Membership.objects.filter(user=user, removed_at__isnull=True)
        .select_related("room")
        .annotate(
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
            last_body=Subquery(last.values("body")[:1]),
            last_at=Subquery(last.values("created_at")[:1]),
            last_id=Subquery(last.values("pk")[:1]),
        )
        .order_by("-last_id", "-room__created_at")[:limit]
    )


def linkify(text):
    """Escaped text with http/https links made clickable; nothing else becomes markup."""
    parts, position = [], 0
    for match in URL_PATTERN.finditer(text):
        url = match.group(0).rstrip(URL_TRAILING)
        start, end = match.start(), match.start() + len(url)
        parts.append(escape(text[position:start]))
        parts.append(
            f'<a href="{escape(url)}" rel="nofollow noopener noreferrer ugc" '
            f'target="_blank">{escape(url)}</a>'
        )
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped


# --- presence -------------------------------------------------------------------------


def presence_join(room_id, user, channel_name):
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={"room_id": room_id, "user": user, "last_seen": timezone.now()},
    )
    Membership.objects.filter(room_id=room_id, user=user).update(unread_since=None)


def presence_touch(channel_name):
    Presence.objects.filter(channel_name=channel_name).update(last_seen=timezone.now())


def presence_leave(channel_name):
    Presence.objects.filter(channel_name=channel_name).delete()


def _online(room_id):
    """The user ids with a live socket in the room, as a subquery."""
    since = timezone.now() - dt.timedelta(seconds=presence_ttl())
    return Presence.objects.filter(room_id=room_id, last_seen__gte=since).values("user_id")


PRESENCE_NAMES = 50


def online_users(room_id):
    """Who is online: up to PRESENCE_NAMES names, and how many in all."""
    # One query: every join asks this, so 200 joins must not cost 200 x 3 queries of 200 rows.
    users = (
        get_user_model()
        .objects.filter(
            pk__in=_online(room_id),
            chat_memberships__room_id=room_id,
            chat_memberships__removed_at__isnull=True,
        )
        .select_related("profile")
    )
    names = sorted(
        ({"id": u.pk, "name": display_name(u)} for u in users), key=lambda entry: entry["name"]
    )
    return {"online": names[:PRESENCE_NAMES], "count": len(names)}


# --- sessions -------------------------------------------------------------------------


def session_is_valid(session_key, user_id):
    """False once the session was logged out (anywhere), expired, or the password changed."""
    if not session_key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if str(store.get(SESSION_KEY, "")) != str(user_id):
        return False
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    return constant_time_compare(store.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash())


# --- broadcasting from synchronous code -----------------------------------------------


def publish(room_id, event):
    """Send `event` to the room's sockets. A channel layer that is down is logged, not raised:
    the change is already stored and clients fetch it when they reconnect."""
    try:
        async_to_sync(get_channel_layer().group_send)(broadcast_group(room_id, event), event)
    except Exception:  # noqa: BLE001 - the layer may be down; the database has the truth
        logger.warning("chat: could not broadcast to room %s", room_id, exc_info=True)
        return False
    return True
