"""In-app notifications, follows, interest settings and the record of every digest sent."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("種類"), max_length=40)
    title = models.CharField(_("件名"), max_length=200)
    body = models.TextField(_("本文"), blank=True)
    url = models.CharField(_("リンク"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]
        verbose_name = _("お知らせ")
        verbose_name_plural = _("お知らせ")

    def __str__(self):
        return self.title


class FollowTarget(models.TextChoices):
    GOAL = "goal", _("SDGs目標")
    STAKEHOLDER = "stakeholder", _("ステークホルダー")
    PROJECT = "project", _("プロジェクト")
    TOWN = "town", _("町")


class Follow(models.Model):
    """A person follows one goal, stakeholder, project or town (exactly one of the four)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    target = models.CharField(_("対象の種類"), max_length=20, choices=FollowTarget.choices)
    goal = models.ForeignKey(
        "openlab.Goal", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    stakeholder = models.ForeignKey(
        "stakeholders.StakeholderPage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    project = models.ForeignKey(
        "projects.ProjectPage", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    town = models.ForeignKey(
        "openlab.Town", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target", "pk"]
        verbose_name = _("フォロー")
        verbose_name_plural = _("フォロー")
        constraints = [
            models.CheckConstraint(
                name="follow_exactly_one_target",
                condition=(
                    Q(
                        target="goal",
                        goal__isnull=False,
                        stakeholder__isnull=True,
                        project__isnull=True,
                        town__isnull=True,
                    )
                    | Q(
                        target="stakeholder",
                        goal__isnull=True,
                        stakeholder__isnull=False,
                        project__isnull=True,
                        town__isnull=True,
                    )
                    | Q(
                        target="project",
                        goal__isnull=True,
                        stakeholder__isnull=True,
                        project__isnull=False,
                        town__isnull=True,
                    )
                    | Q(
                        target="town",
                        goal__isnull=True,
                        stakeholder__isnull=True,
                        project__isnull=True,
                        town__isnull=False,
                    )
                ),
            ),  # fmt: skip
            *[
                models.UniqueConstraint(
                    fields=["user", name],
                    condition=Q(**{f"{name}__isnull": False}),
                    name=f"follow_unique_{name}",
                )
                for name in ("goal", "stakeholder", "project", "town")
            ],
        ]

    def __str__(self):
        return f"{self.user} → {self.target}"

    @property
    def target_object(self):
        return getattr(self, self.target)


class DigestFrequency(models.TextChoices):
    NONE = "none", _("サイト内のお知らせのみ")
    DAILY = "daily", _("毎日のまとめメール")
    WEEKLY = "weekly", _("毎週のまとめメール")


class InterestSettings(models.Model):
    """How a person wants to hear about what they follow, and what they have already seen."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interest_settings"
    )
    frequency = models.CharField(
        _("お知らせの受け取り方"),
        max_length=10,
        choices=DigestFrequency.choices,
        default=DigestFrequency.NONE,
    )
    # Digests cover items newer than this when no digest was sent yet.
    digest_since = models.DateTimeField(_("まとめメールの起点"))
    # The feed's unread badge counts items newer than this.
    feed_seen_at = models.DateTimeField(_("フィードを最後に見た日時"))
    unsubscribed_at = models.DateTimeField(_("配信停止日時"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("関心の設定")
        verbose_name_plural = _("関心の設定")
        indexes = [models.Index(fields=["frequency", "user"])]

    def __str__(self):
        return f"{self.user}: {self.get_frequency_display()}"


class DigestDelivery(models.Model):
    """One digest for one person and one period: recorded before sending, marked after.

    The (user, period_key) pair is unique, so a rerun of a crashed schedule skips
    everyone already done and never sends a period twice; the items are recorded
    with the delivery, so a pending one is resent with exactly the same content.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("送信中")
        SENT = "sent", _("送信済み")
        EMPTY = "empty", _("新着なし（送信せず）")
        CANCELLED = "cancelled", _("配信停止のため送信せず")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    frequency = models.CharField(max_length=10, choices=DigestFrequency.choices)
    period_key = models.CharField(_("期間"), max_length=20)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    items = models.JSONField(_("内容"), default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-window_end", "-pk"]
        verbose_name = _("まとめメールの送信記録")
        verbose_name_plural = _("まとめメールの送信記録")
        constraints = [
            models.UniqueConstraint(fields=["user", "period_key"], name="one_digest_per_period")
        ]
        indexes = [models.Index(fields=["user", "-window_end"])]

    def __str__(self):
        return f"{self.user} {self.period_key} {self.status}"
