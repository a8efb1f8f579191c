"""Telling people things. Other apps call `notify`; they never create Notification rows.

Follows and the personal feed live here too. The feed is computed when it is
read (fan-out on read): from the four sets a person follows (goals, towns,
stakeholders, projects), one query per content type, whatever the number of
follows or pages. Digests (openlab.notifications.digests) read the same items.
"""

import datetime as dt
from dataclasses import asdict, dataclass, field
from types import SimpleNamespace

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openlab.dates import ja_datetime
from openlab.notifications.models import (
    DigestFrequency,
    Follow,
    FollowTarget,
    InterestSettings,
    Notification,
)

FEED_DAYS = 90
FEED_LIMIT = 60
BADGE_CACHE_SECONDS = 300


def notify(user, kind, title, url="", body=""):
    """Record an in-app notification for `user` (e-mail digests read these rows later)."""
    return Notification.objects.create(user=user, kind=kind, title=title, url=url, body=body)


def unread_count(user):
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# --- interest settings ------------------------------------------------------------------


def interest_settings(user):
    """The person's settings, created on first use (feed seen and digests starting now)."""
    now = timezone.now()
    try:
        settings_row, _created = InterestSettings.objects.get_or_create(
            user=user, defaults={"digest_since": now, "feed_seen_at": now}
        )
    except IntegrityError:  # created concurrently
        settings_row = InterestSettings.objects.get(user=user)
    return settings_row


def set_frequency(user, frequency):
    if frequency not in DigestFrequency.values:
        raise ValueError(_("受け取り方の選択が正しくありません。"))
    settings_row = interest_settings(user)
    if settings_row.frequency != frequency:
        if settings_row.frequency == DigestFrequency.NONE:
            # Newly subscribed: the first digest covers what is new from now on.
            settings_row.digest_since = timezone.now()
        settings_row.frequency = frequency
        settings_row.unsubscribed_at = None
        settings_row.save(update_fields=["frequency", "digest_since", "unsubscribed_at"])
    return settings_row


def unsubscribe(user):
    """Stop e-mail digests (in-app only). Idempotent: returns False when already stopped."""
    with transaction.atomic():
        settings_row = interest_settings(user)
        if settings_row.frequency == DigestFrequency.NONE:
            return False
        settings_row.frequency = DigestFrequency.NONE
        settings_row.unsubscribed_at = timezone.now()
        settings_row.save(update_fields=["frequency", "unsubscribed_at"])
    return True


# --- follows ------------------------------------------------------------------------------


class FollowError(ValueError):
    """A follow request naming nothing that can be followed; the message is for users."""


def resolve_target(target, pk):
    """The object a follow names, or FollowError. Only published pages can be followed."""
    from openlab.models import Goal, Town
    from projects.models import ProjectPage
    from stakeholders.models import StakeholderPage

    models = {
        FollowTarget.GOAL: Goal.objects.all(),
        FollowTarget.TOWN: Town.objects.all(),
        FollowTarget.STAKEHOLDER: StakeholderPage.objects.live(),
        FollowTarget.PROJECT: ProjectPage.objects.live(),
    }
    if target not in models:
        raise FollowError(_("フォローできる対象ではありません。"))
    try:
        number = int(str(pk))
    except (TypeError, ValueError):
        raise FollowError(_("フォローする対象が見つかりません。")) from None
    obj = models[target].filter(pk=number).first()
    if obj is None:
        raise FollowError(_("フォローする対象が見つかりません。"))
    return obj


def follow(user, target, obj):
    """Follow `obj` (idempotent); returns the Follow."""
    try:
        with transaction.atomic():
            row, _created = Follow.objects.get_or_create(user=user, target=target, **{target: obj})
    except IntegrityError:
        row = Follow.objects.get(user=user, target=target, **{target: obj})
    interest_settings(user)
    forget_badge(user)
    return row


def unfollow(user, target, obj):
    deleted, _ = Follow.objects.filter(user=user, target=target, **{target: obj}).delete()
    forget_badge(user)
    return bool(deleted)


def is_following(user, target, obj):
    if not user.is_authenticated or obj is None:
        return False
    return Follow.objects.filter(user=user, target=target, **{f"{target}_id": obj.pk}).exists()


@dataclass
class Followed:
    goals: set = field(default_factory=set)
    towns: set = field(default_factory=set)
    stakeholders: set = field(default_factory=set)
    projects: set = field(default_factory=set)

    def __bool__(self):
        return bool(self.goals or self.towns or self.stakeholders or self.projects)


def followed(user):
    """The ids a person follows, by kind, in one query."""
    result = Followed()
    rows = Follow.objects.filter(user=user).values_list(
        "target", "goal_id", "town_id", "stakeholder_id", "project_id"
    )
    for target, goal_id, town_id, stakeholder_id, project_id in rows:
        if target == FollowTarget.GOAL:
            result.goals.add(goal_id)
        elif target == FollowTarget.TOWN:
            result.towns.add(town_id)
        elif target == FollowTarget.STAKEHOLDER:
            result.stakeholders.add(stakeholder_id)
        elif target == FollowTarget.PROJECT:
            result.projects.add(project_id)
    return result


# --- the feed -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedItem:
    key: str  # unique per item and version: never sent twice in digests
    kind: str
    label: str
    title: str
    url: str
    when: dt.datetime
    summary: str = ""
    goals: tuple = ()
    # Why the item is in this person's feed: 「目標4をフォロー中」, 「久米川町をフォロー中」...
    reasons: tuple = ()

    def as_record(self):
        record = asdict(self)
        record["when"] = self.when.isoformat()
        record["goals"] = list(self.goals)
        record["reasons"] = list(self.reasons)
        return record

    @classmethod
    def from_record(cls, record):
        return cls(
            **{
                **record,
                "when": dt.datetime.fromisoformat(record["when"]),
                "goals": tuple(record.get("goals", ())),
                "reasons": tuple(record.get("reasons", ())),
            }
        )


def _through_subquery(model, relation, ids):
    return Q(pk__in=model.objects.filter(**{f"{relation}__in": ids}).values("pk"))


def _match(model, follows, rules):
    """Q for pages of `model` related to anything followed; None when nothing could match.

    `rules` maps a relation of `model` to the followed set it is matched against;
    "pk" matches the page itself, names ending in "_id" are plain columns.
    """
    condition = Q()
    for relation, ids in rules:
        if not ids:
            continue
        if relation == "pk" or relation.endswith("_id"):
            condition |= Q(**{f"{relation}__in": ids})
        else:
            condition |= _through_subquery(model, relation, ids)
    return condition if condition else None


def _project_match(follows):
    from projects.models import ProjectPage

    return _match(
        ProjectPage,
        follows,
        [
            ("goals", follows.goals),
            ("towns", follows.towns),
            ("pk", follows.projects),
            ("lead_id", follows.stakeholders),
            ("partners", follows.stakeholders),
        ],
    )


def _event_match(follows):
    from events.models import EventPage

    return _match(
        EventPage,
        follows,
        [
            ("goals", follows.goals),
            ("towns", follows.towns),
            ("organisers", follows.stakeholders),
        ],
    )


def _report_match(follows):
    from projects.models import ReportPage

    return _match(
        ReportPage,
        follows,
        [
            ("goals", follows.goals),
            ("towns", follows.towns),
            ("ambassador_group_id", follows.stakeholders),
        ],
    )


def _progress_time_field():
    """ProgressUpdate's creation time if the model records one, else its date."""
    from projects.models import ProgressUpdate

    names = {f.name for f in ProgressUpdate._meta.get_fields()}
    for name in ("created_at", "created", "posted_at"):
        if name in names:
            return name, True
    return "date", False


def _window(queryset, field_name, since, until, is_date=False):
    if is_date:
        local = timezone.localtime
        if since is not None:
            queryset = queryset.filter(**{f"{field_name}__gte": local(since).date()})
        if until is not None:
            queryset = queryset.filter(**{f"{field_name}__lte": local(until).date()})
        return queryset
    if since is not None:
        queryset = queryset.filter(**{f"{field_name}__gt": since})
    if until is not None:
        queryset = queryset.filter(**{f"{field_name}__lte": until})
    return queryset


def _date_time(value):
    return timezone.make_aware(dt.datetime.combine(value, dt.time()))


def _stamp(value):
    return value.strftime("%Y%m%d%H%M%S")


def _page_querysets(follows, since, until, now):
    """The four querysets of the feed (or None where nothing followed can match)."""
    from events.models import EventPage
    from events.services import has_dates_ahead
    from projects.models import ProgressUpdate, ProjectPage, ReportPage

    result = {}
    project_q = _project_match(follows)
    if project_q is not None:
        result["projects"] = _window(
            ProjectPage.objects.live().filter(project_q), "last_published_at", since, until
        ).order_by("-last_published_at", "-pk")
        time_field, exact = _progress_time_field()
        result["progress"] = _window(
            ProgressUpdate.objects.filter(
                project__in=ProjectPage.objects.live().filter(project_q).values("pk")
            ),
            time_field,
            since,
            until,
            is_date=not exact,
        ).order_by(f"-{time_field}", "-pk")
    event_q = _event_match(follows)
    if event_q is not None:
        result["events"] = _window(
            # Still on: a recurring event is, after its first date, until its last.
            EventPage.objects.live().filter(event_q).filter(has_dates_ahead(now)),
            "last_published_at",
            since,
            until,
        ).order_by("-last_published_at", "-pk")
    report_q = _report_match(follows)
    if report_q is not None:
        result["reports"] = _window(
            ReportPage.objects.live().filter(report_q), "last_published_at", since, until
        ).order_by("-last_published_at", "-pk")
    return result


def _goals_of(kind, rows):
    """{page id: (goal numbers)} for feed rows of one type: one query on the through table."""
    from events.models import EventPage
    from projects.models import ProjectPage, ReportPage

    if not rows:
        return {}
    model = {"projects": ProjectPage, "events": EventPage, "reports": ReportPage}[kind]
    through = model._meta.get_field("goals").remote_field.through
    source = f"{model._meta.model_name}_id"
    result = {}
    pairs = through.objects.filter(**{f"{source}__in": [row["pk"] for row in rows]})
    for page_id, goal_id in pairs.order_by("goal_id").values_list(source, "goal_id"):
        result.setdefault(page_id, []).append(goal_id)
    return {page_id: tuple(numbers) for page_id, numbers in result.items()}


def _related(model, relation, page_ids):
    """{page id: (ids)} of one many-to-many relation of pages: one query on the through table."""
    if not page_ids:
        return {}
    field = model._meta.get_field(relation)
    source = f"{field.m2m_field_name()}_id"
    target = f"{field.m2m_reverse_field_name()}_id"
    result = {}
    pairs = field.remote_field.through.objects.filter(**{f"{source}__in": page_ids})
    for page_id, other_id in pairs.values_list(source, target):
        result.setdefault(page_id, []).append(other_id)
    return result


class Reasons:
    """Says, for a page in the feed, which of the person's follows brought it there."""

    def __init__(self, user):
        self.names = {}
        rows = Follow.objects.filter(user=user).select_related("stakeholder", "project", "town")
        for row in rows:
            if row.target == FollowTarget.GOAL:
                label = _("目標%(number)sをフォロー中") % {"number": row.goal_id}
                self.names[(row.target, row.goal_id)] = label
            else:
                target = row.target_object
                name = target.name if row.target == FollowTarget.TOWN else target.title
                self.names[(row.target, target.pk)] = _("%(name)sをフォロー中") % {"name": name}

    def of(self, goals=(), towns=(), stakeholders=(), projects=()):
        """The most specific first: the project itself, its organisations, goals, towns."""
        found = []
        for target, ids in (
            (FollowTarget.PROJECT, projects),
            (FollowTarget.STAKEHOLDER, stakeholders),
            (FollowTarget.GOAL, goals),
            (FollowTarget.TOWN, towns),
        ):
            for pk in ids:
                label = self.names.get((target, pk))
                if label and label not in found:
                    found.append(label)
        return tuple(found)


def _page_reasons(kind, rows, reasons, goals):
    """{page id: reasons} for feed rows of one type: at most two more queries."""
    from events.models import EventPage
    from projects.models import ProjectPage, ReportPage

    if not rows:
        return {}
    ids = [row["pk"] for row in rows]
    model = {"projects": ProjectPage, "events": EventPage, "reports": ReportPage}[kind]
    towns = _related(model, "towns", ids)
    stakeholders = {}
    if kind == "projects":
        stakeholders = _related(ProjectPage, "partners", ids)
        for row in rows:
            stakeholders.setdefault(row["pk"], []).append(row["lead_id"])
    elif kind == "events":
        stakeholders = _related(EventPage, "organisers", ids)
    else:
        for row in rows:
            stakeholders[row["pk"]] = [row["ambassador_group_id"]]
    return {
        pk: reasons.of(
            goals=goals.get(pk, ()),
            towns=towns.get(pk, ()),
            stakeholders=stakeholders.get(pk, ()),
            projects=(pk,) if kind == "projects" else (),
        )
        for pk in ids
    }


def feed_items(user, since=None, until=None, limit=FEED_LIMIT, include_notifications=True):
    """What is new for `user` from what they follow, newest first: at most 6 queries."""
    from openlab.opendata.pageurls import PageUrls
    from projects.models import ProjectPage

    now = timezone.now()
    if since is None and until is None:
        since = now - dt.timedelta(days=FEED_DAYS)
    follows = followed(user)
    querysets = _page_querysets(follows, since, until, now)
    urls = PageUrls()
    reasons = Reasons(user)
    items = []

    # Plain rows, not page instances: a digest run reads thousands of them.
    page_columns = ("pk", "title", "url_path", "first_published_at", "last_published_at")

    if "projects" in querysets:
        rows = list(querysets["projects"].values(*page_columns, "summary", "lead_id")[:limit])
        goals = _goals_of("projects", rows)
        why = _page_reasons("projects", rows, reasons, goals)
        for row in rows:
            first, last = row["first_published_at"], row["last_published_at"]
            is_new = first and last - first < dt.timedelta(minutes=1)
            items.append(
                FeedItem(
                    key=f"project:{row['pk']}:{_stamp(last)}",
                    kind="project_new" if is_new else "project_updated",
                    label=_("新しいプロジェクト") if is_new else _("プロジェクトの更新"),
                    title=row["title"],
                    url=urls.path(row["url_path"]),
                    when=last,
                    summary=row["summary"],
                    goals=goals.get(row["pk"], ()),
                    reasons=why[row["pk"]],
                )
            )
    if "progress" in querysets:
        time_field, exact = _progress_time_field()
        rows = list(
            querysets["progress"].values(
                "pk", time_field, "text", "project_id", "project__title", "project__url_path"
            )[:limit]
        )
        projects = [
            {"pk": pk, "lead_id": lead}
            for pk, lead in ProjectPage.objects.filter(
                pk__in={row["project_id"] for row in rows}
            ).values_list("pk", "lead_id")
        ]
        why = _page_reasons("projects", projects, reasons, _goals_of("projects", projects))
        for row in rows:
            when = row[time_field]
            items.append(
                FeedItem(
                    key=f"progress:{row['pk']}",
                    kind="progress",
                    label=_("進捗の報告"),
                    title=row["project__title"],
                    url=urls.path(row["project__url_path"]),
                    when=when if exact else _date_time(when),
                    summary=row["text"][:200],
                    reasons=why.get(row["project_id"], ()),
                )
            )
    if "events" in querysets:
        from events.services import shown_dates

        rows = list(
            querysets["events"].values(*page_columns, "start", "end", "rrule", "venue_name")[:limit]
        )
        goals = _goals_of("events", rows)
        why = _page_reasons("events", rows, reasons, goals)
        shown = shown_dates([SimpleNamespace(**row) for row in rows])  # the next date
        for row in rows:
            items.append(
                FeedItem(
                    key=f"event:{row['pk']}:{_stamp(row['last_published_at'])}",
                    kind="event",
                    label=_("これからのイベント"),
                    title=row["title"],
                    url=urls.path(row["url_path"]),
                    when=row["last_published_at"],
                    summary=f"{ja_datetime(shown[row['pk']].start)} {row['venue_name']}".strip(),
                    goals=goals.get(row["pk"], ()),
                    reasons=why[row["pk"]],
                )
            )
    if "reports" in querysets:
        rows = list(
            querysets["reports"].values(*page_columns, "body", "ambassador_group_id")[:limit]
        )
        goals = _goals_of("reports", rows)
        why = _page_reasons("reports", rows, reasons, goals)
        for row in rows:
            items.append(
                FeedItem(
                    key=f"report:{row['pk']}:{_stamp(row['last_published_at'])}",
                    kind="report",
                    label=_("こども大使のレポート"),
                    title=row["title"],
                    url=urls.path(row["url_path"]),
                    when=row["last_published_at"],
                    summary=row["body"][:200],
                    goals=goals.get(row["pk"], ()),
                    reasons=why[row["pk"]],
                )
            )
    if include_notifications:
        notifications = _window(
            Notification.objects.filter(user=user), "created_at", since, until
        ).order_by("-created_at", "-pk")
        for note in notifications[:limit]:
            items.append(
                FeedItem(
                    key=f"notification:{note.pk}",
                    kind=f"notification:{note.kind}",
                    label=_("お知らせ"),
                    title=note.title,
                    url=note.url if note.url.startswith(("/", "https://", "http://")) else "",
                    when=note.created_at,
                    summary=note.body[:200],
                    reasons=(_("あなたへのお知らせ"),),
                )
            )
    items.sort(key=lambda item: (item.when, item.key), reverse=True)
    return items[:limit]


def new_item_count(user, since):
    """How many feed items are newer than `since` (for the badge): a count per type."""
    now = timezone.now()
    querysets = _page_querysets(followed(user), since, None, now)
    return sum(queryset.count() for queryset in querysets.values())


def badge_count(user):
    """Unread notifications plus feed items since the feed was last seen; cached briefly.

    The key holds the page cache's generation, so any publish refreshes it.
    """
    if not user.is_authenticated:
        return 0
    from openlab.page_cache import current_generation

    try:
        generation = current_generation()
    except Exception:
        generation = 0
    key = f"feed-badge:{user.pk}:{generation}"
    count = cache.get(key)
    if count is None:
        settings_row = InterestSettings.objects.filter(user=user).first()
        count = unread_count(user)
        if settings_row is not None:
            count += new_item_count(user, settings_row.feed_seen_at)
        cache.set(key, count, BADGE_CACHE_SECONDS)
    return count


def forget_badge(user):
    from openlab.page_cache import current_generation

    try:
        cache.delete(f"feed-badge:{user.pk}:{current_generation()}")
    except Exception:  # a cache outage must not break following or reading
        return


def mark_feed_seen(user):
    """The person has seen their feed: the badge goes back to zero."""
    now = timezone.now()
    settings_row = interest_settings(user)
    settings_row.feed_seen_at = now
    settings_row.save(update_fields=["feed_seen_at"])
    Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now)
    forget_badge(user)
