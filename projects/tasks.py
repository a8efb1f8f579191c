"""django-q2 tasks for projects. Plain functions taking primary keys; idempotent.

`check_stale_projects` runs daily (schedule created by `ensure_schedules`, called from
a data migration and by seed_demo) and e-mails the lead stakeholder's approved partners
once when a running project turns 更新待ち (yellow) and once when it turns red. A
StalenessNotice row per (project, state, quiet period) makes sure the same state is
never e-mailed twice, even if the task runs again or twice at once.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "projects: 更新待ちプロジェクトの確認"
SCHEDULE_FUNC = "projects.tasks.check_stale_projects"


def ensure_schedules():
    """Create (or repair) the daily staleness check. Safe to call any number of times."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": SCHEDULE_FUNC, "schedule_type": Schedule.DAILY, "repeats": -1},
    )


def check_stale_projects():
    """Notify about every running project that is stale and not yet notified for its state."""
    from projects.models import ProjectPage, ProjectStatus

    projects = (
        ProjectPage.objects.live()
        .filter(status=ProjectStatus.RUNNING)
        .annotate(last_update=Max("updates__date"))
    )
    sent = 0
    for project in projects:
        sent += notify_stale_project(project.pk)
    return sent


def _recipients(project):
    from openlab.accounts.models import PartnerMembership

    if not project.lead_id:
        return []
    memberships = PartnerMembership.objects.filter(
        stakeholder_id=project.lead_id, status=PartnerMembership.Status.APPROVED
    ).select_related("user")
    return [m.user for m in memberships if m.user.is_active and m.user.email]


def notify_stale_project(project_id):
    """E-mail the lead's partners if the project's current stale state was not yet notified.

    Returns the number of e-mails sent (0 when fresh, already notified or nobody to tell).
    """
    from projects.models import ProjectPage, StalenessNotice
    from projects.services import quiet_since, staleness

    project = (
        ProjectPage.objects.live()
        .filter(pk=project_id)
        .annotate(last_update=Max("updates__date"))
        .first()
    )
    if project is None:
        return 0
    state = staleness(project)
    if not state:
        return 0
    since = quiet_since(project)
    recipients = _recipients(project)
    try:
        with transaction.atomic():
            StalenessNotice.objects.create(
                project=project, state=state, quiet_since=since, recipients=len(recipients)
            )
    except IntegrityError:
        return 0  # already notified for this state of this quiet period
    # The notice is recorded before anything is sent: a retry after a failure part-way
    # never sends anyone the same notice twice (one bad address costs only its own mail).
    return _send(project, state, since, recipients)


def _send(project, state, since, recipients):
    from openlab.notifications.services import notify

    days = (timezone.localdate() - since).days
    url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + (project.url or "")
    if state == "red":
        subject = _("【要更新】「%(title)s」の進捗が%(days)d日間更新されていません") % {
            "title": project.title,
            "days": days,
        }
    else:
        subject = _("【更新待ち】「%(title)s」の進捗を更新してください") % {"title": project.title}
    body = _(
        "「%(title)s」は%(since)sから%(days)d日間、進捗が更新されていません。\n"
        "プロジェクトのページに最新の進捗を書き込んでください。\n\n%(url)s\n"
    ) % {"title": project.title, "since": since.isoformat(), "days": days, "url": url}
    sent = 0
    for user in recipients:
        notify(user, "project_stale", subject, url=project.url or "", body=body)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception:
            logger.exception("staleness mail to user %s for project %s failed", user.pk, project.pk)
            continue
        sent += 1
    logger.info(
        "staleness %s for project %s: %d of %d sent", state, project.pk, sent, len(recipients)
    )
    return sent
