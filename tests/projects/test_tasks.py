import datetime as dt

import pytest
from django.utils import timezone
from django_q.models import Schedule

from projects.models import ProgressUpdate, StalenessNotice
from projects.tasks import SCHEDULE_NAME, check_stale_projects, ensure_schedules
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_the_daily_schedule_exists_once(db):
    assert Schedule.objects.filter(name=SCHEDULE_NAME).count() == 1  # data migration
    ensure_schedules()
    ensure_schedules()
    schedule = Schedule.objects.get(name=SCHEDULE_NAME)
    assert schedule.func == "projects.tasks.check_stale_projects"
    assert schedule.schedule_type == Schedule.DAILY


def _update(project, days_ago):
    ProgressUpdate.objects.create(
        project=project, date=timezone.localdate() - dt.timedelta(days=days_ago), text="進捗"
    )


def test_partners_are_emailed_once_per_state(partner, mailoutbox, roles):
    from openlab.accounts.models import Role
    from openlab.accounts.services import create_user

    create_user("bystander", "by@example.jp", "pw-bystander", Role.CITIZEN)
    project = ProjectFactory(title="静かな実証実験", lead=partner.stakeholder)
    _update(project, 95)

    assert check_stale_projects() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["p1@example.jp"]
    assert "更新待ち" in mailoutbox[0].subject and "静かな実証実験" in mailoutbox[0].subject
    # Running the task again sends nothing for the same state.
    assert check_stale_projects() == 0
    assert len(mailoutbox) == 1

    # Later it turns red: one more e-mail, once.
    ProgressUpdate.objects.filter(project=project).update(
        date=timezone.localdate() - dt.timedelta(days=185)
    )
    check_stale_projects()
    check_stale_projects()
    assert len(mailoutbox) == 2
    assert "要更新" in mailoutbox[1].subject
    assert StalenessNotice.objects.filter(project=project).count() == 2
    assert partner.notifications.filter(kind="project_stale").count() == 2

    # A fresh update ends the quiet period: nothing is sent.
    _update(project, 1)
    assert check_stale_projects() == 0
    assert len(mailoutbox) == 2


def test_one_address_that_fails_costs_only_its_own_mail_and_nothing_is_sent_twice(
    partner, mailoutbox
):
    from django.contrib.auth import get_user_model

    from openlab.accounts.models import Role
    from openlab.accounts.services import approve_membership, create_user

    broken = create_user("partner0", "p0@example.jp", "pw-partner-0", Role.CITIZEN)
    approve_membership(broken, partner.stakeholder)
    # An address no mail can go to (a header injection the forms would refuse).
    get_user_model().objects.filter(pk=broken.pk).update(email="p0@example.jp\nBcc: x@x.jp")
    project = ProjectFactory(title="静かな実証実験", lead=partner.stakeholder)
    _update(project, 95)

    assert check_stale_projects() == 1
    assert [m.to for m in mailoutbox] == [["p1@example.jp"]]
    assert check_stale_projects() == 0  # the notice was recorded: no resend to anyone
    assert len(mailoutbox) == 1
    assert broken.notifications.filter(kind="project_stale").count() == 1  # told in the app


def test_fresh_and_finished_projects_are_left_alone(partner, mailoutbox):
    fresh = ProjectFactory(lead=partner.stakeholder)
    _update(fresh, 10)
    done = ProjectFactory(lead=partner.stakeholder, status="done")
    _update(done, 300)
    assert check_stale_projects() == 0
    assert mailoutbox == []


def test_a_project_first_seen_red_gets_only_the_red_notice(partner, mailoutbox):
    project = ProjectFactory(lead=partner.stakeholder)
    _update(project, 250)
    check_stale_projects()
    assert [n.state for n in StalenessNotice.objects.all()] == ["red"]
    assert len(mailoutbox) == 1
