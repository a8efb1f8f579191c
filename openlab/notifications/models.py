"""In-app notifications: what a person should know about, kept until they read it."""

from django.conf import settings
from django.db import models
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
