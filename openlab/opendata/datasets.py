"""The open data sets: which fields of which published pages anyone may download.

Every field is listed here by name: nothing is exported because a model grew a
column. Only live, public pages appear, related pages (a project's lead, an
event's organisers) only when they are live too, and never private e-mail
addresses, drafts, registrations, chat or a child's real name (reports carry
the nickname and grade only).

Rows are produced by generators over one `values().iterator(chunk_size=...)`
query; for each chunk of pages, each relation is one query on its through
table (no model instances, no per-page queries), so an export of any size
streams in flat memory and a constant number of queries per chunk.
"""

from dataclasses import dataclass

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openlab import dates
from openlab.opendata.pageurls import PageUrls

CHUNK_SIZE = 500
MAX_OCCURRENCES = 24
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.ja"
ATTRIBUTION = "東村山市わたしたちのSDGsオープンラボ"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    description: str


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    fields: tuple

    @property
    def field_names(self):
        return [f.name for f in self.fields]


def _f(name, label, description=""):
    return Field(name, label, description)


COMMON_HEAD = (
    _f("id", _("ID"), _("ページの番号（変わりません）")),
    _f("title", _("名前・題名")),
    _f("url", _("ページのURL")),
)
COMMON_TAIL = (
    _f("goals", _("SDGs目標"), _("目標番号を「;」区切り（JSONでは数の配列）")),
    _f("first_published_at", _("初公開日時"), _("RFC 3339（秒とタイムゾーン付き）、日本時間")),
    _f("last_published_at", _("最終更新日時"), _("RFC 3339（秒とタイムゾーン付き）、日本時間")),
)

STAKEHOLDERS = Dataset(
    "stakeholders",
    pgettext_lazy("plural", "ステークホルダー"),
    _("ラボに参加している市役所の部署・企業・NPO・学校・大学・市民・こどもSDGs大使のグループ。"),
    (
        *COMMON_HEAD,
        _f(
            "kind",
            _("種別コード"),
            "city / company / npo / school / university / citizen / ambassador",
        ),
        _f("kind_label", _("種別")),
        _f("summary", _("ひとこと紹介")),
        _f("targets", _("SDGsターゲット"), _("例: 11.2;4.7")),
        _f("towns", _("活動している町"), _("町名を「;」区切り")),
        _f("offers", _("できること"), _("「;」区切り")),
        _f("needs", _("求めること"), _("「;」区切り")),
        _f("website", _("ウェブサイト")),
        _f("email", _("連絡先メール"), _("公開を選んだステークホルダーのみ。それ以外は空欄")),
        _f("joined", _("ラボ参加日")),
        *COMMON_TAIL,
    ),
)

PROJECTS = Dataset(
    "projects",
    pgettext_lazy("plural", "プロジェクト"),
    _("ラボから生まれた実証実験・プロジェクトと、その進捗。"),
    (
        *COMMON_HEAD,
        _f("status", _("状況コード"), "idea / recruiting / running / done / cancelled"),
        _f("status_label", _("状況")),
        _f("summary", _("概要")),
        _f("lead_id", _("主催ステークホルダーのID")),
        _f("lead", _("主催ステークホルダー")),
        _f("partners", _("協働ステークホルダー"), _("名前を「;」区切り")),
        _f("start_date", _("開始日")),
        _f("end_date", _("終了日")),
        _f("targets", _("SDGsターゲット")),
        _f("towns", _("町")),
        _f("seeking", _("求めている協力")),
        _f("latest_update_date", _("最新の進捗の日付")),
        _f("latest_update_percent", _("最新の達成度（%）")),
        _f("update_count", _("進捗の件数")),
        *COMMON_TAIL,
    ),
)

EVENTS = Dataset(
    "events",
    pgettext_lazy("plural", "イベント"),
    _("ワークショップ、オープンラボ、そらいち東村山など。繰り返し開催のイベントは今後の開催日つき。"),
    (
        *COMMON_HEAD,
        _f("summary", _("概要")),
        _f("start", _("開始日時（初回）")),
        _f("end", _("終了日時（初回）")),
        _f("all_day", _("終日")),
        _f("rrule", _("繰り返し（RFC 5545 RRULE）")),
        _f("occurrences", _("今後の開催日時"),
           _("「開始/終了」を「;」区切り、最大24回（JSONでは配列）")),
        _f("venue_name", _("会場名")),
        _f("venue_address", _("住所")),
        _f("latitude", _("緯度")),
        _f("longitude", _("経度")),
        _f("attendance", _("参加方法"), "onsite / online / hybrid"),
        _f("price", _("参加費（円）")),
        _f("kids_welcome", _("子ども歓迎")),
        _f("barrier_free", _("バリアフリー会場")),
        _f("capacity", _("定員")),
        _f("registration", _("申込"), "closed / open / approval"),
        _f("organisers", _("主催"), _("名前を「;」区切り")),
        _f("towns", _("町")),
        *COMMON_TAIL,
    ),
)  # fmt: skip

REPORTS = Dataset(
    "reports",
    _("こどもSDGs大使レポート"),
    _("こどもSDGs大使の活動報告。名前はニックネームと学年だけです。"),
    (
        *COMMON_HEAD,
        _f("date", _("活動した日")),
        _f("body", _("やったこと")),
        _f("nickname", _("ニックネーム")),
        _f("grade", _("学年")),
        _f("ambassador_group", _("こども大使のグループ")),
        _f("towns", _("町")),
        *COMMON_TAIL,
    ),
)

DATASETS = {dataset.slug: dataset for dataset in (STAKEHOLDERS, PROJECTS, EVENTS, REPORTS)}


# --- value helpers ----------------------------------------------------------------------


def _iso(value):
    return dates.rfc3339(value)


PAGE_COLUMNS = ("pk", "title", "url_path", "first_published_at", "last_published_at")


def _chunks(queryset, columns):
    """Rows as dicts, `CHUNK_SIZE` at a time, from one streaming query (flat memory)."""
    chunk = []
    for row in (
        queryset.order_by("pk").values(*PAGE_COLUMNS, *columns).iterator(chunk_size=CHUNK_SIZE)
    ):
        chunk.append(row)
        if len(chunk) >= CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _related(model, relation, ids, value, order=None, live_only=False):
    """{page id: [values]} over a many-to-many relation for a chunk of pages: one query."""
    through = model._meta.get_field(relation).remote_field.through
    source = f"{model._meta.model_name}_id"
    target = model._meta.get_field(relation).related_model._meta.model_name
    queryset = through.objects.filter(**{f"{source}__in": ids})
    if live_only:
        queryset = queryset.filter(**{f"{target}__live": True})
    if order:
        queryset = queryset.order_by(f"{target}__{order}")
    result = {}
    for page_id, item in queryset.values_list(source, f"{target}__{value}"):
        result.setdefault(page_id, []).append(item)
    return result


def _live_titles(ids):
    from stakeholders.models import StakeholderPage

    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(StakeholderPage.objects.live().filter(pk__in=ids).values_list("pk", "title"))


def _head(row, urls):
    return {"id": row["pk"], "title": row["title"], "url": urls.url(row["url_path"])}


def _tail(row, goals):
    return {
        "goals": sorted(goals.get(row["pk"], [])),
        "first_published_at": _iso(row["first_published_at"]),
        "last_published_at": _iso(row["last_published_at"]),
    }


# --- the four data sets -------------------------------------------------------------------


def stakeholder_rows(urls, queryset=None):
    from stakeholders.models import StakeholderKind, StakeholderPage

    queryset = StakeholderPage.objects.live().public() if queryset is None else queryset
    kinds = {kind.value: str(kind.label) for kind in StakeholderKind}
    columns = ("kind", "summary", "website", "email", "email_public", "joined")
    for chunk in _chunks(queryset, columns):
        ids = [row["pk"] for row in chunk]
        goals = _related(StakeholderPage, "goals", ids, "pk")
        targets = _related(StakeholderPage, "targets", ids, "pk", order="position")
        towns = _related(StakeholderPage, "towns", ids, "name", order="position")
        offers = _related(StakeholderPage, "offers", ids, "name", order="name")
        needs = _related(StakeholderPage, "needs", ids, "name", order="name")
        for row in chunk:
            pk = row["pk"]
            yield {
                **_head(row, urls),
                "kind": row["kind"],
                "kind_label": kinds.get(row["kind"], row["kind"]),
                "summary": row["summary"],
                "targets": targets.get(pk, []),
                "towns": towns.get(pk, []),
                "offers": offers.get(pk, []),
                "needs": needs.get(pk, []),
                "website": row["website"],
                "email": row["email"] if row["email_public"] else "",
                "joined": _iso(row["joined"]),
                **_tail(row, goals),
            }


def _progress(ids):
    from projects.models import ProgressUpdate

    result = {}
    rows = (
        ProgressUpdate.objects.filter(project_id__in=ids)
        .order_by("project_id", "-date", "-pk")
        .values_list("project_id", "date", "percent")
    )
    for project_id, date, percent in rows:
        entry = result.setdefault(project_id, {"date": date, "percent": percent, "count": 0})
        entry["count"] += 1
    return result


def project_rows(urls, queryset=None):
    from projects.models import ProjectPage, ProjectStatus

    queryset = ProjectPage.objects.live().public() if queryset is None else queryset
    statuses = {status.value: str(status.label) for status in ProjectStatus}
    columns = ("status", "summary", "lead_id", "start_date", "end_date")
    for chunk in _chunks(queryset, columns):
        ids = [row["pk"] for row in chunk]
        goals = _related(ProjectPage, "goals", ids, "pk")
        targets = _related(ProjectPage, "targets", ids, "pk", order="position")
        towns = _related(ProjectPage, "towns", ids, "name", order="position")
        seeking = _related(ProjectPage, "seeking", ids, "name", order="name")
        partners = _related(
            ProjectPage, "partners", ids, "title", order="name_reading", live_only=True
        )
        leads = _live_titles(row["lead_id"] for row in chunk)
        progress = _progress(ids)
        for row in chunk:
            pk = row["pk"]
            lead = leads.get(row["lead_id"])
            latest = progress.get(pk)
            yield {
                **_head(row, urls),
                "status": row["status"],
                "status_label": statuses.get(row["status"], row["status"]),
                "summary": row["summary"],
                "lead_id": row["lead_id"] if lead else None,
                "lead": lead or "",
                "partners": partners.get(pk, []),
                "start_date": _iso(row["start_date"]),
                "end_date": _iso(row["end_date"]),
                "targets": targets.get(pk, []),
                "towns": towns.get(pk, []),
                "seeking": seeking.get(pk, []),
                "latest_update_date": _iso(latest["date"]) if latest else None,
                "latest_update_percent": latest["percent"] if latest else None,
                "update_count": latest["count"] if latest else 0,
                **_tail(row, goals),
            }


def _occurrences(ids, now):
    """{event id: [{start, end}]}: upcoming, not cancelled, at most MAX_OCCURRENCES each."""
    try:
        occurrence = apps.get_model("events", "Occurrence")
    except LookupError:
        return {}
    queryset = occurrence.objects.filter(event_id__in=ids, end__gte=now)
    if any(f.name == "cancelled" for f in occurrence._meta.get_fields()):
        queryset = queryset.filter(cancelled=False)
    result = {}
    for event_id, start, end in queryset.order_by("event_id", "start").values_list(
        "event_id", "start", "end"
    ):
        items = result.setdefault(event_id, [])
        if len(items) < MAX_OCCURRENCES:
            items.append({"start": _iso(start), "end": _iso(end)})
    return result


def event_rows(urls, queryset=None):
    from events.models import EventPage

    now = timezone.now()
    queryset = EventPage.objects.live().public() if queryset is None else queryset
    columns = (
        "summary", "start", "end", "all_day", "rrule", "venue_name", "venue_address",
        "latitude", "longitude", "attendance", "price", "kids_welcome", "barrier_free",
        "capacity", "registration",
    )  # fmt: skip
    for chunk in _chunks(queryset, columns):
        ids = [row["pk"] for row in chunk]
        goals = _related(EventPage, "goals", ids, "pk")
        towns = _related(EventPage, "towns", ids, "name", order="position")
        organisers = _related(
            EventPage, "organisers", ids, "title", order="name_reading", live_only=True
        )
        occurrences = _occurrences(ids, now)
        for row in chunk:
            pk = row["pk"]
            yield {
                **_head(row, urls),
                "summary": row["summary"],
                "start": _iso(row["start"]),
                "end": _iso(row["end"]),
                "all_day": row["all_day"],
                "rrule": row["rrule"],
                "occurrences": occurrences.get(pk, []),
                "venue_name": row["venue_name"],
                "venue_address": row["venue_address"],
                "latitude": float(row["latitude"]) if row["latitude"] is not None else None,
                "longitude": float(row["longitude"]) if row["longitude"] is not None else None,
                "attendance": row["attendance"],
                "price": row["price"],
                "kids_welcome": row["kids_welcome"],
                "barrier_free": row["barrier_free"],
                "capacity": row["capacity"],
                "registration": row["registration"],
                "organisers": organisers.get(pk, []),
                "towns": towns.get(pk, []),
                **_tail(row, goals),
            }


def report_rows(urls, queryset=None):
    from projects.models import ReportPage

    queryset = ReportPage.objects.live().public() if queryset is None else queryset
    columns = ("date", "body", "nickname", "grade", "ambassador_group_id")
    for chunk in _chunks(queryset, columns):
        ids = [row["pk"] for row in chunk]
        goals = _related(ReportPage, "goals", ids, "pk")
        towns = _related(ReportPage, "towns", ids, "name", order="position")
        groups = _live_titles(row["ambassador_group_id"] for row in chunk)
        for row in chunk:
            pk = row["pk"]
            yield {
                **_head(row, urls),
                "date": _iso(row["date"]),
                "body": row["body"],
                "nickname": row["nickname"],
                "grade": row["grade"],
                "ambassador_group": groups.get(row["ambassador_group_id"], ""),
                "towns": towns.get(pk, []),
                **_tail(row, goals),
            }


ROWS = {
    "stakeholders": stakeholder_rows,
    "projects": project_rows,
    "events": event_rows,
    "reports": report_rows,
}


def rows(slug, base_url=""):
    """The rows of data set `slug` (a generator); KeyError for an unknown one."""
    producer = ROWS[slug]
    return producer(PageUrls(base_url))
