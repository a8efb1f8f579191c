"""Who people are in the lab: their role, and for partners, the stakeholders they speak for."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("市民")
    PARTNER = "partner", _("パートナー")
    FACILITATOR = "facilitator", _("ファシリテーター")
    AMBASSADOR = "ambassador", _("こどもSDGs大使")


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("役割"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    display_name = models.CharField(_("表示名"), max_length=60, blank=True)
    # Kids' ambassadors: only the nickname and grade are ever shown on the site.
    nickname = models.CharField(_("ニックネーム"), max_length=40, blank=True)
    grade = models.CharField(_("学年"), max_length=20, blank=True)
    guardian_consent_by = models.CharField(_("同意した保護者"), max_length=80, blank=True)
    guardian_consent_at = models.DateTimeField(_("保護者の同意日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("プロフィール")
        verbose_name_plural = _("プロフィール")

    def __str__(self):
        return self.public_name

    @property
    def public_name(self):
        if self.role == Role.AMBASSADOR:
            return self.nickname or _("こども大使")
        return self.display_name or self.user.get_username()


class PartnerMembership(models.Model):
    """A person speaking for a stakeholder; editing rights follow once a facilitator approves."""

    class Status(models.TextChoices):
        PENDING = "pending", _("承認待ち")
        APPROVED = "approved", _("承認済み")
        REJECTED = "rejected", _("却下")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    stakeholder = models.ForeignKey(
        "stakeholders.StakeholderPage", on_delete=models.CASCADE, related_name="memberships"
    )
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    message = models.TextField(_("申請メッセージ"), blank=True)
    new_stakeholder = models.BooleanField(
        _("新しいステークホルダーとして申請"),
        default=False,
        help_text=_("申請者が新しく登録したステークホルダー（承認まで非公開の下書き）。"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(_("判断日時"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("判断したファシリテーター"),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "stakeholder"], name="one_membership_per_pair")
        ]
        verbose_name = _("パートナー登録")
        verbose_name_plural = _("パートナー登録")

    def __str__(self):
        return f"{self.user} → {self.stakeholder}"


class PartnerGroup(models.Model):
    """The Django group whose page permissions are exactly the pages a stakeholder owns.

    Kept in sync by openlab.accounts.partner_access; approved partners are its members.
    """

    stakeholder = models.OneToOneField(
        "stakeholders.StakeholderPage", on_delete=models.CASCADE, related_name="partner_group"
    )
    group = models.OneToOneField(
        "auth.Group", on_delete=models.CASCADE, related_name="partner_stakeholder"
    )

    class Meta:
        verbose_name = _("パートナーグループ")
        verbose_name_plural = _("パートナーグループ")

    def __str__(self):
        return self.group.name
