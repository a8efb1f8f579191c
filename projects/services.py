"""Business rules for projects and children's reports.

Listing and page contexts run a fixed number of queries whatever the data size;
staleness is computed from the date of the latest progress update.
"""

import secrets

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, Max, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openlab import sdgs
from openlab.models import Goal, Town
from openlab.querystring import positive_int

PAGE_SIZE = 24
YELLOW_DAYS = 90
RED_DAYS = 180
TIMELINE_LIMIT = 200
ANY = "any"


# --- small parsers (junk in the query string is ignored, never a 500) ----------------
def _clean_goal_numbers(values):
    return sorted({int(v) for v in values if v.strip().isdigit() and sdgs.is_goal_number(v)})


def _clean_page_number(value):
    number = positive_int(value)
    return number if number is not None and number < 100_000 else 1


def _slug(value):
    value = (value or "").strip()[:100]
    return value if value and all(c.isalnum() or c in "-_" for c in value) else ""


def show_furigana(request):
    return request.GET.get("furigana") == "1"


# --- staleness -----------------------------------------------------------------------
class Staleness:
    FRESH = ""
    YELLOW = "yellow"
    RED = "red"
    LABELS = {YELLOW: _("更新待ち"), RED: _("長期間更新なし")}


def quiet_since(project, last_update=None):
    """The day the project's current quiet period started: its latest update, else its start."""
    if last_update is None:
        last_update = getattr(project, "last_update", None)
    if last_update:
        return last_update
    if project.start_date:
        return project.start_date
    published = project.first_published_at
    return timezone.localdate(published) if published else None


def staleness(project, today=None, last_update=None):
    """'' for a fresh (or not running) project, 'yellow' after 90 quiet days, 'red' after 180."""
    from projects.models import ProjectStatus

    if project.status != ProjectStatus.RUNNING:
        return Staleness.FRESH
    since = quiet_since(project, last_update)
    if since is None:
        return Staleness.FRESH
    days = ((today or timezone.localdate()) - since).days
    if days >= RED_DAYS:
        return Staleness.RED
    if days >= YELLOW_DAYS:
        return Staleness.YELLOW
    return Staleness.FRESH


# --- the project directory -----------------------------------------------------------
def parse_project_filters(query):
    from projects.models import ProjectStatus

    status = query.get("status", "")
    return {
        "goals": _clean_goal_numbers(query.getlist("sdg")),
        "status": status if status in ProjectStatus.values else "",
        "town": _slug(query.get("town")),
        "seeking": _slug(query.get("seeking")),
        "stakeholder": _slug(query.get("stakeholder")),
    }


def filter_projects(queryset, filters):
    for number in filters["goals"]:
        queryset = queryset.filter(goals=number)
    if filters["status"]:
        queryset = queryset.filter(status=filters["status"])
    if filters["town"]:
        queryset = queryset.filter(towns__slug=filters["town"])
    if filters["seeking"] == ANY:
        queryset = queryset.filter(seeking__isnull=False)
    elif filters["seeking"]:
        queryset = queryset.filter(seeking__slug=filters["seeking"])
    if filters["stakeholder"]:
        queryset = queryset.filter(
            Q(lead__slug=filters["stakeholder"]) | Q(partners__slug=filters["stakeholder"])
        )
    return queryset


def project_directory_context(index_page, request):
    from projects.models import ProjectPage, ProjectStatus
    from stakeholders.models import NAME_ORDER, OfferNeedTerm, StakeholderPage

    filters = parse_project_filters(request.GET)
    base = ProjectPage.objects.live().child_of(index_page)
    matching = filter_projects(base, filters).values("pk")
    projects = (
        ProjectPage.objects.filter(pk__in=matching)
        .annotate(last_update=Max("updates__date"), lead_title=F("lead__title"))
        .order_by("-first_published_at", "-pk")
    )
    paginator = Paginator(projects, PAGE_SIZE)
    page = paginator.get_page(_clean_page_number(request.GET.get("page", "1")))
    page.object_list = list(page.object_list.prefetch_related("goals"))
    today = timezone.localdate()
    for project in page.object_list:
        project.staleness = staleness(project, today)
    live_projects = ProjectPage.objects.live().child_of(index_page)
    return {
        "filters": filters,
        "projects": page,
        "statuses": ProjectStatus.choices,
        "goals": sdgs.GOALS,
        "towns": list(Town.objects.all()),
        "terms": list(OfferNeedTerm.objects.all()),
        "stakeholder_choices": list(
            StakeholderPage.objects.live()
            .filter(
                Q(led_projects__in=live_projects.values("pk"))
                | Q(partner_projects__in=live_projects.values("pk"))
            )
            .distinct()
            .order_by(*NAME_ORDER)
            .values_list("slug", "title")
        ),
        "staleness_labels": Staleness.LABELS,
        "any_term": ANY,
    }


def project_page_context(project):
    """Everything a project page shows, each relation fetched once."""
    from events.models import EventPage
    from events.services import soonest_first, with_shown_dates
    from projects.models import ProgressUpdate
    from stakeholders.models import StakeholderPage

    updates = list(
        ProgressUpdate.objects.filter(project=project)
        .select_related("image")
        .prefetch_related("image__renditions")
        .order_by("-date", "-pk")[:TIMELINE_LIMIT]
    )
    last_update = updates[0].date if updates else None
    lead = (
        StakeholderPage.objects.live().filter(pk=project.lead_id).first()
        if project.lead_id
        else None
    )
    return {
        "lead": lead,
        "updates": updates,
        "latest_percent": next((u.percent for u in updates if u.percent is not None), None),
        "milestones": list(project.milestones.order_by("due", "sort_order")),
        # .all(), not .live(): a preview renders a revision, whose partners are
        # modelcluster's in-memory list (no .live()).
        "partner_pages": sorted(
            (page for page in project.partners.all() if page.live), key=lambda page: page.title
        ),
        "seeking_terms": list(project.seeking.all()),
        "project_goals": [sdgs.GOALS_BY_NUMBER[g.pk] for g in project.goals.all()],
        "project_targets": list(project.targets.all()),
        "project_towns": list(project.towns.all()),
        "events": with_shown_dates(
            EventPage.objects.live()
            .filter(related_projects=project)
            .order_by(*soonest_first())[:10]
        ),
        "project_images": list(
            project.images.select_related("image").prefetch_related("image__renditions")[:12]
        ),
        "staleness": staleness(project, last_update=last_update),
        "staleness_labels": Staleness.LABELS,
    }


# --- reports: the public side ----------------------------------------------------------
def report_directory_context(index_page, request):
    from projects.models import ReportPage, ReportPhoto

    goals = _clean_goal_numbers(request.GET.getlist("sdg"))
    reports = ReportPage.objects.live().child_of(index_page)
    for number in goals:
        reports = reports.filter(goals=number)
    paginator = Paginator(reports.order_by("-date", "-pk"), PAGE_SIZE)
    page = paginator.get_page(_clean_page_number(request.GET.get("page", "1")))
    page.object_list = list(
        page.object_list.prefetch_related(
            "goals",
            Prefetch("photos", queryset=ReportPhoto.objects.order_by("sort_order")),
        )
    )
    return {
        "filters": {"goals": goals},
        "reports": page,
        "goals": sdgs.GOALS,
        "furigana": show_furigana(request),
    }


def report_page_context(report, request):
    return {
        "photos": list(report.photos.order_by("sort_order")),
        "furigana": show_furigana(request),
    }


# --- reports: submission and status ---------------------------------------------------
class ReportStatus:
    REVIEW = "review"
    LIVE = "live"
    CHANGES = "changes"
    HIDDEN = "hidden"
    LABELS = {
        REVIEW: _("審査中"),
        LIVE: _("公開中"),
        CHANGES: _("差し戻し"),
        HIDDEN: _("非公開"),
    }


def _photo_rows(photos):
    from projects.models import ReportPhoto

    rows = []
    for number, photo in enumerate(photos, start=1):
        row = ReportPhoto(image=photo.content, thumbnail=photo.thumbnail, sort_order=number)
        row.metadata_removed = True  # clean_photo already re-encoded it
        rows.append(row)
    return rows


def approval_workflow():
    """The facilitator approval workflow (shared helper in openlab.accounts.services)."""
    from django.contrib.auth.models import Group

    from openlab.accounts.services import FACILITATORS, ensure_approval_workflow

    facilitators, _created = Group.objects.get_or_create(name=FACILITATORS)
    return ensure_approval_workflow(facilitators)


def _report_slug():
    return f"r-{timezone.localdate():%Y%m%d}-{secrets.token_hex(4)}"


def submit_report(user, cleaned_data, goal_numbers):
    """Save a child's report as a draft ReportPage and send it to the facilitators.

    All or nothing: the page, photos, revision and workflow state are written in one
    transaction.
    """
    from projects.models import AmbassadorAccount, ReportIndexPage, ReportPage

    profile = user.profile
    account = AmbassadorAccount.objects.filter(user=user).select_related("group").first()
    index = ReportIndexPage.objects.first()
    if index is None:
        raise RuntimeError("the report index page is missing (run ensure_site_structure)")
    with transaction.atomic():
        workflow = approval_workflow()
        page = ReportPage(
            title=cleaned_data["title"],
            slug=_report_slug(),
            body=cleaned_data["body"],
            date=cleaned_data["date"],
            nickname=profile.nickname or str(_("こども大使")),
            grade=profile.grade,
            ambassador_group=account.group if account else None,
            owner=user,
            live=False,
        )
        page.goals.set(Goal.objects.filter(number__in=goal_numbers))
        page.photos = _photo_rows(cleaned_data.get("photos") or [])
        index.add_child(instance=page)
        page.save_revision(user=user, log_action=True)
        workflow.start(page, user)
    return page


def resubmit_report(user, page, cleaned_data, goal_numbers):
    """After 差し戻し: save the child's changes and put the report back to the facilitators.

    `page` is the report as last sent (its latest revision). New photos replace the old
    ones, whose files are deleted at once: a photo sent back because a face shows must not
    stay at its address."""
    state = page.current_workflow_state
    with transaction.atomic():
        page.title = cleaned_data["title"]
        page.body = cleaned_data["body"]
        page.date = cleaned_data["date"]
        page.goals.set(Goal.objects.filter(number__in=goal_numbers))
        new_photos = cleaned_data.get("photos") or []
        if new_photos:
            replaced = photo_file_names(page.photos.all())
            page.photos = _photo_rows(new_photos)
            transaction.on_commit(lambda: discard_photo_files(replaced))
        page.save_revision(user=user, log_action=True)
        if state is not None and state.status == state.STATUS_NEEDS_CHANGES:
            state.resume(user)
        elif state is None:
            approval_workflow().start(page, user)
    return page


def photo_file_names(photos):
    return {name for photo in photos for name in (photo.image.name, photo.thumbnail.name) if name}


def discard_photo_files(names):
    """Delete these photo files from storage, except those a published report still shows."""
    from django.core.files.storage import default_storage

    from projects.models import ReportPhoto

    shown = photo_file_names(
        ReportPhoto.objects.filter(report__live=True).filter(
            Q(image__in=names) | Q(thumbnail__in=names)
        )
    )
    for name in set(names) - shown:
        default_storage.delete(name)


def report_photo_deleted(sender, instance, **kwargs):
    """A deleted report, or photos replaced when a revision is published: the files go too."""
    names = photo_file_names([instance])
    transaction.on_commit(lambda: discard_photo_files(names))


def my_reports(user, limit=50):
    """The child's own reports, newest first, each with .status, .status_label, .comment."""
    from wagtail.models import TaskState, WorkflowState

    from projects.models import ReportPage

    reports = list(
        ReportPage.objects.filter(owner=user).prefetch_related("goals").order_by("-pk")[:limit]
    )
    if not reports:
        return reports
    states = {}
    for state in (
        WorkflowState.objects.filter(
            base_content_type_id=reports[0].get_base_content_type().pk,
            object_id__in=[str(r.pk) for r in reports],
        )
        .prefetch_related(
            Prefetch(
                "task_states",
                queryset=TaskState.objects.filter(status=TaskState.STATUS_REJECTED).order_by(
                    "-finished_at", "-pk"
                ),
                to_attr="rejections",
            )
        )
        .order_by("created_at", "pk")
    ):
        states[state.object_id] = state  # the latest wins
    for report in reports:
        state = states.get(str(report.pk))
        report.comment = ""
        if state is not None and state.status == WorkflowState.STATUS_IN_PROGRESS:
            report.status = ReportStatus.REVIEW
        elif state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
            report.status = ReportStatus.CHANGES
            report.comment = state.rejections[0].comment if state.rejections else ""
        elif report.live:
            report.status = ReportStatus.LIVE
        else:
            report.status = ReportStatus.HIDDEN
        report.status_label = ReportStatus.LABELS[report.status]
    return reports


def editable_report(user, pk):
    """The child's own report that was sent back (差し戻し), or None."""
    from projects.models import ReportPage

    page = ReportPage.objects.filter(owner=user, pk=pk).first()
    if page is None:
        return None
    state = page.current_workflow_state
    if state is None or state.status != state.STATUS_NEEDS_CHANGES:
        return None
    # As last sent: a second round of changes starts from the first, not from the original.
    return page.get_latest_revision_as_object()


# --- ambassador accounts ------------------------------------------------------------------
def create_ambassador(facilitator, data):
    from openlab.accounts.models import Role
    from openlab.accounts.services import create_user
    from projects.models import AmbassadorAccount

    with transaction.atomic():
        user = create_user(
            data["username"],
            "",
            data["password"],
            Role.AMBASSADOR,
            display_name=data["nickname"],
            nickname=data["nickname"],
            grade=data["grade"],
            guardian_consent_by=data["guardian_consent_by"],
            guardian_consent_at=timezone.now(),
        )
        AmbassadorAccount.objects.create(user=user, group=data.get("group"), created_by=facilitator)
    return user


def authenticate_ambassador(request, username, password):
    """(user, None) for a child's right ID and password, else (None, why) in words a child
    reads. allauth's adapter authenticates: failures count against the site's log-in limits
    (ACCOUNT_RATE_LIMITS login_failed, per client address and per account; behind a proxy
    the address comes from ALLAUTH_TRUSTED_PROXY_COUNT), so a child's ID is no easier to
    guess here than anyone's on /accounts/login/."""
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import ValidationError

    from openlab.accounts.permissions import is_ambassador

    try:
        user = get_adapter(request).authenticate(request, username=username, password=password)
    except ValidationError:  # too many failures
        return None, _("たくさんまちがえたので、5分まってからもう一度ためしてね。")
    if user is None or not is_ambassador(user):
        return None, _("ログインIDかパスワードがちがうよ。もう一度ためしてね。")
    return user, None
