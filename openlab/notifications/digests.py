"""E-mail digests: one e-mail per person per period with only what is new since the last one.

Every digest is recorded (DigestDelivery: who, which period, which items, when)
BEFORE it is sent and marked sent after, so a worker that crashes mid-run
loses nothing and duplicates nothing on rerun:

* a crash before the record: the person's window has not moved, the rerun
  computes the same items again;
* a crash between record and send: the rerun finds the pending record and
  sends exactly its recorded items (a crash after the SMTP server accepted the
  mail but before it was marked sent is the one window where a person may get
  the same digest twice; the Message-ID is the same both times, so mail
  clients can tell);
* (user, period) is unique: a second run of the same period skips everyone done.

Windows are contiguous per person (each starts where their previous one
ended), and the previous digest's item keys are excluded too, so an item is
never sent twice; a period with nothing new records an EMPTY row and sends
nothing.
"""

import datetime as dt
import logging
from dataclasses import replace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from openlab.notifications.models import DigestDelivery, DigestFrequency, InterestSettings
from openlab.notifications.services import FeedItem, feed_items

logger = logging.getLogger(__name__)

DIGEST_ITEM_LIMIT = 40
BATCH_SIZE = 500
LATE_COMMIT_OVERLAP = dt.timedelta(minutes=10)
UNSUBSCRIBE_SALT = "openlab.notifications.unsubscribe"
DIGEST_VIEW_SALT = "openlab.notifications.digest"
# Links in e-mails stay valid this long; older ones get a clear refusal.
UNSUBSCRIBE_MAX_AGE = 90 * 24 * 3600
DIGEST_VIEW_MAX_AGE = 30 * 24 * 3600


def period_key(frequency, now):
    local = timezone.localtime(now)
    if frequency == DigestFrequency.DAILY:
        return f"d{local:%Y-%m-%d}"
    if frequency == DigestFrequency.WEEKLY:
        year, week, _ = local.isocalendar()
        return f"w{year}-W{week:02d}"
    raise ValueError(f"no digest period for {frequency!r}")


# --- signed links -------------------------------------------------------------------------


def unsubscribe_token(user):
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token):
    """The user id in an unsubscribe token; signing.BadSignature (incl. expired) otherwise."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    return int(data["u"])


def digest_token(delivery):
    return signing.dumps({"d": delivery.pk, "u": delivery.user_id}, salt=DIGEST_VIEW_SALT)


def read_digest_token(token):
    data = signing.loads(token, salt=DIGEST_VIEW_SALT, max_age=DIGEST_VIEW_MAX_AGE)
    return int(data["d"]), int(data["u"])


def absolute(path):
    if path.startswith(("http://", "https://")):
        return path
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


# --- one person ---------------------------------------------------------------------------


def _items_for(user, start, end, previous):
    # Look a little before the window: a page whose publish transaction committed
    # just after the previous run had started is caught here; what the previous
    # digest already carried is excluded by key.
    exclude = {record["key"] for record in (previous.items if previous else [])}
    contiguous = previous is not None and previous.window_end == start
    since = start - LATE_COMMIT_OVERLAP if contiguous else start
    items = [
        item
        for item in feed_items(user, since=since, until=end, limit=DIGEST_ITEM_LIMIT)
        if item.key not in exclude
    ]
    return [item.as_record() for item in items]


def send_digest(user_id, frequency, key, now):
    """Record and send one person's digest for period `key`; idempotent."""
    user = get_user_model().objects.select_related("interest_settings").get(pk=user_id)
    delivery = DigestDelivery.objects.filter(user=user, period_key=key).first()
    if delivery is None:
        previous = DigestDelivery.objects.filter(user=user).order_by("-window_end", "-pk").first()
        # After a pause (unsubscribed, then subscribed again) start from the new
        # subscription, not from the last digest before the pause.
        since = user.interest_settings.digest_since
        start = max(previous.window_end, since) if previous else since
        end = max(now, start)
        items = _items_for(user, start, end, previous) if end > start else []
        try:
            with transaction.atomic():
                delivery = DigestDelivery.objects.create(
                    user=user,
                    frequency=frequency,
                    period_key=key,
                    window_start=start,
                    window_end=end,
                    items=items,
                    status=DigestDelivery.Status.PENDING if items else DigestDelivery.Status.EMPTY,
                )
        except IntegrityError:  # another worker took this person and period
            return None
    if delivery.status != DigestDelivery.Status.PENDING:
        return delivery
    deliver(delivery, user)
    return delivery


def deliver(delivery, user=None):
    """Send a recorded (pending) digest and mark it sent."""
    user = user or delivery.user
    items = [
        replace(item, url=absolute(item.url) if item.url else "")
        for item in (FeedItem.from_record(record) for record in delivery.items)
    ]
    token = unsubscribe_token(user)
    unsubscribe_url = absolute(reverse("notifications:unsubscribe", args=[token]))
    context = {
        "user": user,
        "items": items,
        "delivery": delivery,
        "site_url": absolute("/"),
        "feed_url": absolute(reverse("notifications:feed")),
        "settings_url": absolute(reverse("notifications:interests")),
        "unsubscribe_url": unsubscribe_url,
        "web_url": absolute(reverse("notifications:digest", args=[digest_token(delivery)])),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("notifications/email/digest_subject.txt", context)
        text = render_to_string("notifications/email/digest.txt", context)
        html = render_to_string("notifications/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": f"<digest-{delivery.pk}-{delivery.period_key}@openlab>",
        },
    )
    message.attach_alternative(html, "text/html")
    message.send()
    DigestDelivery.objects.filter(pk=delivery.pk).update(
        status=DigestDelivery.Status.SENT, sent_at=timezone.now()
    )


# --- a whole run --------------------------------------------------------------------------


def still_wanted(delivery):
    user = delivery.user
    interests = getattr(user, "interest_settings", None)
    return bool(
        user.is_active
        and user.email
        and interests is not None
        and interests.frequency == delivery.frequency
    )


def send_digests(frequency, now=None, batch_size=BATCH_SIZE):
    """Send the period's digest to everyone who chose `frequency`. Safe to rerun.

    First finishes any digest recorded but not sent by a crashed run, then goes
    through subscribers in primary-key order, in batches, skipping those done.
    Returns counts by outcome.
    """
    if frequency not in (DigestFrequency.DAILY, DigestFrequency.WEEKLY):
        raise ValueError(f"no digests for {frequency!r}")
    now = now or timezone.now()
    key = period_key(frequency, now)
    counts = {"sent": 0, "empty": 0, "resumed": 0, "skipped": 0}

    for delivery in DigestDelivery.objects.filter(
        frequency=frequency, status=DigestDelivery.Status.PENDING
    ).select_related("user__interest_settings"):
        if not still_wanted(delivery):
            # Unsubscribed (or gone) since the crashed run recorded it: never sent.
            DigestDelivery.objects.filter(pk=delivery.pk).update(
                status=DigestDelivery.Status.CANCELLED
            )
            continue
        try:
            deliver(delivery)
        except Exception:
            # Stays pending for the next run; it must not stop this run for everyone else.
            logger.exception("resending digest %s failed", delivery.pk)
            counts["skipped"] += 1
            continue
        counts["resumed"] += 1

    subscribers = (
        InterestSettings.objects.filter(frequency=frequency, user__is_active=True)
        .exclude(user__email="")
        .exclude(user_id__in=DigestDelivery.objects.filter(period_key=key).values("user_id"))
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    last_id = 0
    while True:
        user_ids = list(subscribers.filter(user_id__gt=last_id)[:batch_size])
        if not user_ids:
            break
        for user_id in user_ids:
            try:
                delivery = send_digest(user_id, frequency, key, now)
            except Exception:
                # One broken address or template must not stop everyone else's digest;
                # the record stays pending and the next run resends it.
                logger.exception("digest for user %s failed", user_id)
                counts["skipped"] += 1
                continue
            if delivery is None:
                counts["skipped"] += 1
            elif delivery.status == DigestDelivery.Status.EMPTY:
                counts["empty"] += 1
            else:
                counts["sent"] += 1
        last_id = user_ids[-1]
    return counts
