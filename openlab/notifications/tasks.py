"""django-q2 tasks of the notifications app (plain functions, idempotent)."""

from openlab.notifications import digests


def send_digests(frequency):
    """The scheduled digest run for "daily" or "weekly"; rerunning continues where it stopped."""
    return digests.send_digests(frequency)


def send_digest(user_id, frequency, period_key):
    from django.utils import timezone

    return bool(digests.send_digest(user_id, frequency, period_key, timezone.now()))
