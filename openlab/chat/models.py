"""Chat: rooms, who is in them, what was said, and what was reported.

Rules live in openlab/chat/services.py; these models only hold the data.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Room(models.Model):
    class Kind(models.TextChoices):
        PROJECT = "project", _("プロジェクト")
        MATCH = "match", _("マッチング")
        DIRECT = "direct", _("ダイレクト")

    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices)
    # What the room is for, unique: "project:<page pk>", "match:<a>:<b>", "direct:<u1>:<u2>".
    key = models.CharField(max_length=100, unique=True)
    title = models.CharField(_("名前"), max_length=200)
    project = models.ForeignKey(
        "projects.ProjectPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_rooms",
        verbose_name=_("プロジェクト"),
    )
    # Whose approved partners belong here (project and match rooms; none for direct ones).
    # Kept in step by services.sync_room when a partnership or the project changes.
    stakeholders = models.ManyToManyField(
        "stakeholders.StakeholderPage", blank=True, related_name="chat_rooms"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("チャットルーム")
        verbose_name_plural = _("チャットルーム")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"/chat/{self.pk}/"


class Membership(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    # A removed member stays removed: syncing a project's members never re-adds them.
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_read_id = models.BigIntegerField(default=0)
    # Set when a message arrives while the member is offline; cleared when they read.
    unread_since = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="chat_one_membership_per_room")
        ]
        verbose_name = _("ルームメンバー")
        verbose_name_plural = _("ルームメンバー")

    def __str__(self):
        return f"{self.user} @ {self.room}"


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_messages"
    )
    body = models.TextField(_("本文"))
    # Chosen by the sender's client; a resend with the same key never makes a second message.
    client_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_key"], name="chat_message_idempotency_key"
            )
        ]
        indexes = [
            models.Index(fields=["room", "id"]),
            models.Index(fields=["sender", "created_at"]),
        ]
        verbose_name = _("メッセージ")
        verbose_name_plural = _("メッセージ")

    def __str__(self):
        return self.body[:40]

    @property
    def visible(self):
        return self.deleted_at is None and self.hidden_at is None


class Report(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("未対応")
        HIDDEN = "hidden", _("非表示にした")
        REMOVED = "removed", _("メンバーを外した")
        DISMISSED = "dismissed", _("問題なし")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_reports"
    )
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="chat_one_report_each")
        ]
        ordering = ["-created_at", "-pk"]
        verbose_name = _("通報")
        verbose_name_plural = _("通報")

    def __str__(self):
        return f"{self.reporter} → {self.message_id}"


class Presence(models.Model):
    """One open socket. Rows of a crashed process go stale and stop counting."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.user_id} @ {self.room_id}"


class UnreadEmail(models.Model):
    """The unread-messages e-mail sent for one room to one person on one day (Asia/Tokyo)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user", "day"], name="chat_one_email_a_day")
        ]

    def __str__(self):
        return f"{self.user_id} @ {self.room_id} {self.day}"


class Action(models.Model):
    """An edit or a delete, kept for the rate limit only (messages count by their own
    created_at): rows older than the window are dropped as the user acts again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self):
        return f"{self.user_id} @ {self.at}"
