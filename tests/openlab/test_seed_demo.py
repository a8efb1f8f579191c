"""The demo data: realistic counts, idempotent, demo accounts for every role, and pages
stay at a constant query count. One test, because seeding is the expensive part."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageLogEntry, Revision

from events.models import EventPage
from projects.models import ProjectPage, ReportPage
from stakeholders.models import StakeholderIndexPage, StakeholderPage
from stakeholders.testing import bulk_stakeholders

pytestmark = pytest.mark.django_db

PATHS = ["/", "/sdgs/", "/sdgs/11/", "/stakeholders/"]


def _query_counts(client):
    counts = {}
    for path in PATHS:
        client.get(path)  # warm Wagtail's site-root cache
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200
        counts[path] = len(captured)
    return counts


def _state():
    return {
        "stakeholders": StakeholderPage.objects.count(),
        "projects": ProjectPage.objects.count(),
        "events": EventPage.objects.count(),
        "reports": ReportPage.objects.count(),
        "revisions": Revision.objects.count(),
        "log": PageLogEntry.objects.count(),
    }


def test_seed_demo_is_realistic_idempotent_and_pages_stay_constant(client, settings):
    settings.PAGE_CACHE_ENABLED = False
    call_command("seed_demo", verbosity=0)
    state = _state()
    assert state["stakeholders"] >= 260
    assert state["projects"] >= 30
    assert state["events"] >= 40
    assert state["reports"] >= 20
    kinds = set(StakeholderPage.objects.values_list("kind", flat=True))
    assert kinds == {"city", "company", "npo", "school", "university", "citizen", "ambassador"}
    assert EventPage.objects.filter(title__contains="そらいち東村山", rrule__contains="BYDAY=3SU")
    assert not StakeholderPage.objects.filter(goals=None).exists()

    html = client.get("/").content.decode()
    assert "これからのイベント" in html and 'class="card"' in html
    small = _query_counts(client)

    call_command("seed_demo", verbosity=0)
    assert _state() == state, "a second run must change nothing"

    # Twice the stakeholders (written in bulk: a third seed run would double the test's time).
    bulk_stakeholders(StakeholderIndexPage.objects.get(), state["stakeholders"])
    large = _query_counts(client)
    assert small == large
    assert max(large.values()) <= 20, large

    _assert_demo_accounts_exist_for_every_role(client)


def _assert_demo_accounts_exist_for_every_role(client):
    from django.contrib.auth import get_user_model

    from openlab.accounts.models import PartnerMembership
    from openlab.accounts.permissions import role_of

    users = {user.username: user for user in get_user_model().objects.all()}
    assert role_of(users["facilitator"]) == "facilitator"
    assert role_of(users["citizen"]) == "citizen"
    assert role_of(users["ambassador"]) == "ambassador"
    assert role_of(users["partner"]) == "partner"
    assert PartnerMembership.objects.filter(user=users["partner"], status="approved").exists()
    assert client.login(username="facilitator", password="openlab-demo")
    assert client.get("/admin/").status_code == 200
