"""Fault: the django-q2 worker dies (SIGKILL) in the middle of a task.

The ORM broker delivers at least once: a task is locked for `retry` seconds when a worker
takes it and deleted only when its result is saved, so a task whose worker died is
delivered again once the lock runs out, to whichever cluster polls next. Task functions are
idempotent, so the effect happens once.

The task here is the real periodic scan of the chat (openlab/chat/tasks.py: `scan_unread`):
every member with unread messages for over 30 minutes gets one e-mail for the room, at most
once a day. It is killed halfway: the first member's e-mail has gone out, the second
member's row is locked by the test (the worker waits on it, inside the task). A new cluster
then runs the task again; each member must have exactly one e-mail.
"""

import datetime as dt

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from django_q.models import OrmQ, Task
from django_q.tasks import async_task

from openlab.chat.models import Membership, Message, UnreadEmail
from tests.reliability.services import (
    QCluster,
    current_database_url,
    make_chat_room,
    require_postgres_test_database,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

# Short for the test (production: minutes); retry > timeout as in openlab/settings/base.py.
TASK_TIMEOUT = 20
TASK_RETRY = 25


def test_q_cluster_settings_redeliver_a_task_whose_worker_died(settings):
    """Re-delivery relies on these: a task not acknowledged is taken again after `retry`; a
    failed one is retried (not acknowledged) up to `max_attempts` times."""
    conf = settings.Q_CLUSTER
    assert conf["orm"] == "default"  # the ORM broker: a task lives in the database until done
    assert conf["retry"] > conf["timeout"]  # else a slow task is started twice while running
    assert not conf.get("ack_failures", False)  # a failed task is delivered again
    assert conf.get("max_attempts", 0) != 1  # ... more than once (0 means without limit)


def blocked_by(holder):
    """How many backends wait for a lock that the `holder` connection holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
            [holder.info.backend_pid],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_killed_worker_task_runs_again_and_its_effect_happens_once(site_tree, settings, tmp_path):
    require_postgres_test_database()
    settings.ELASTICSEARCH_URL = ""  # search on the database only: the shared node is not ours
    people = make_chat_room()
    room, alice, bob = people["room"], people["alice"], people["bob"]
    carol = _third_member(room)
    for number in range(3):
        Message.objects.create(
            room=room, sender=alice, body=f"未読{number}", client_key=f"k{number:07d}"
        )
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    # bob waits longest, so the scan takes him first, then carol.
    Membership.objects.filter(room=room, user=bob).update(
        unread_since=hour_ago - dt.timedelta(minutes=5), last_read_id=0
    )
    Membership.objects.filter(room=room, user=carol).update(unread_since=hour_ago, last_read_id=0)
    carol_membership = Membership.objects.get(room=room, user=carol)

    url = current_database_url()
    cluster = QCluster(tmp_path / "q", url, timeout=TASK_TIMEOUT, retry=TASK_RETRY)
    # The test holds carol's row: the task sends bob's e-mail, then waits on carol, mid-task.
    holder = psycopg.connect(url)
    try:
        holder.execute(
            "SELECT id FROM chat_membership WHERE id = %s FOR UPDATE", [carol_membership.pk]
        )
        task_id = async_task(
            "openlab.chat.tasks.scan_unread", task_name="fault: unread scan", sync=False
        )
        cluster.start()
        assert wait_until(
            lambda: cluster.mails_to(bob.email) == 1 and blocked_by(holder) == 1, 90
        ), cluster.log_tail()
        assert cluster.mails_to(carol.email) == 0

        # Every process of the cluster dies at once, in the middle of the task.
        assert cluster.kill(), "processes of the killed cluster are still running"
    finally:
        holder.rollback()
        holder.close()
        cluster.stop()

    # Not acknowledged: the task is still in the queue, and no result was saved.
    assert [q.task_id() for q in OrmQ.objects.all()] == [task_id]
    assert not Task.objects.filter(id=task_id).exists()

    try:
        cluster.start()  # a new cluster takes the task again once its lock runs out
        assert wait_until(
            lambda: Task.objects.filter(id=task_id, success=True).exists(), TASK_RETRY + 90
        ), cluster.log_tail()
    finally:
        cluster.stop()

    task = Task.objects.get(id=task_id)
    assert task.result == 1  # the second run sent only carol's e-mail
    assert not OrmQ.objects.exists()  # acknowledged
    # The effect happened exactly once per member: one e-mail each, one record each.
    assert cluster.mails_to(bob.email) == 1
    assert cluster.mails_to(carol.email) == 1
    assert cluster.mails_to(alice.email) == 0  # the sender has nothing unread
    records = UnreadEmail.objects.filter(room=room, sent_at__isnull=False)
    assert sorted(records.values_list("user__username", flat=True)) == ["bob", "carol"]
    assert not Membership.objects.filter(room=room, unread_since__isnull=False).exists()


def _third_member(room):
    from openlab.accounts.models import Role
    from openlab.chat.services import add_member
    from tests.chat.conftest import make_user

    carol = make_user(Role.FACILITATOR, username="carol", display_name="事務局のキャロル")
    add_member(room, carol)
    return carol
