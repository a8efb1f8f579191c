"""Telling people things. Other apps call `notify`; they never create Notification rows."""

from openlab.notifications.models import Notification


def notify(user, kind, title, url="", body=""):
    """Record an in-app notification for `user` (e-mail digests read these rows later)."""
    return Notification.objects.create(user=user, kind=kind, title=title, url=url, body=body)


def unread_count(user):
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
