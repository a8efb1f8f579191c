"""Match proposals: who should meet whom, why, and what each side decided."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchProposal(models.Model):
    """A proposed pair. Side A is the subject (for a project: its lead), side B the candidate.

    Stakeholder pairs are stored once, with ``side_a_id < side_b_id``, and both sides see
    the same row; a project proposal pairs the project (side A, its lead) with a candidate.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("提案中")
        INTRODUCED = "introduced", _("紹介済み")
        DISMISSED = "dismissed", _("見送り")
        HIDDEN = "hidden", _("非表示（ファシリテーター）")

    class Source(models.TextChoices):
        ENGINE = "engine", _("自動提案")
        FACILITATOR = "facilitator", _("ファシリテーターの提案")

    class Decision(models.TextChoices):
        PENDING = "pending", _("未回答")
        SAVED = "saved", _("あとで検討")
        ACCEPTED = "accepted", _("紹介を希望")
        DISMISSED = "dismissed", _("見送り")

    side_a = models.ForeignKey(
        "stakeholders.StakeholderPage",
        on_delete=models.CASCADE,
        related_name="match_proposals_a",
        verbose_name=_("ステークホルダーA"),
    )
    side_b = models.ForeignKey(
        "stakeholders.StakeholderPage",
        on_delete=models.CASCADE,
        related_name="match_proposals_b",
        verbose_name=_("ステークホルダーB"),
    )
    project = models.ForeignKey(
        "projects.ProjectPage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="match_proposals",
        verbose_name=_("プロジェクト"),
    )
    score = models.FloatField(_("スコア"), default=0)
    # Structured reasons ({"code", "weight", ...params}); rendered per viewer by
    # openlab.matching.reasons.render.
    reasons = models.JSONField(_("理由"), default=list, blank=True)
    fingerprint = models.CharField(max_length=40, blank=True)
    dismissed_fingerprint = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.ENGINE)
    promoted = models.BooleanField(_("おすすめ"), default=False)
    note = models.TextField(_("ファシリテーターのメモ"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_a = models.CharField(max_length=10, choices=Decision.choices, default="pending")
    decision_b = models.CharField(max_length=10, choices=Decision.choices, default="pending")
    room_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    introduced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-promoted", "-score", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["side_a", "side_b"],
                condition=models.Q(project__isnull=True),
                name="matching_one_proposal_per_pair",
            ),
            models.UniqueConstraint(
                fields=["project", "side_b"],
                condition=models.Q(project__isnull=False),
                name="matching_one_proposal_per_project_candidate",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-score"]),
        ]
        verbose_name = _("マッチング提案")
        verbose_name_plural = _("マッチング提案")

    def __str__(self):
        subject = self.project.title if self.project_id else self.side_a.title
        return f"{subject} × {self.side_b.title}"

    def decision_of(self, side):
        return self.decision_a if side == "a" else self.decision_b

    def stakeholder_of(self, side):
        return self.side_a if side == "a" else self.side_b


class MatchDecision(models.Model):
    """What a person did with a proposal, kept as feedback and history."""

    class Action(models.TextChoices):
        ACCEPT = "accept", _("紹介を希望")
        SAVE = "save", _("あとで検討")
        DISMISS = "dismiss", _("見送り")
        PROPOSE = "propose", _("手動で提案")
        PROMOTE = "promote", _("おすすめにする")
        HIDE = "hide", _("非表示にする")
        UNHIDE = "unhide", _("再表示")

    proposal = models.ForeignKey(MatchProposal, on_delete=models.CASCADE, related_name="decisions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    side = models.CharField(max_length=1, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.TextField(_("理由"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("マッチングの判断")
        verbose_name_plural = _("マッチングの判断")

    def __str__(self):
        return f"{self.get_action_display()} ({self.proposal_id})"
