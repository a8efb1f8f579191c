import datetime as dt

import pytest
from django.utils import timezone

from events.models import EventPage, Occurrence
from openlab.accounts.models import Role
from openlab.accounts.services import approve_membership, create_user, ensure_role_groups
from openlab.models import Town
from tests.factories import EventFactory, StakeholderFactory

TOKYO = dt.timezone(dt.timedelta(hours=9))


def publish(event):
    event.save_revision().publish()
    event.refresh_from_db()
    return event


def make_event(organisers=(), towns=(), **fields):
    """An event published with its organisers and towns (occurrences synced on publish)."""
    event = EventFactory(**fields)
    if organisers or towns:
        event.organisers.set(organisers)
        event.towns.set(Town.objects.filter(slug__in=towns))
        publish(event)
    return EventPage.objects.get(pk=event.pk)


def third_sunday(year, month):
    first = dt.date(year, month, 1)
    sunday = first + dt.timedelta(days=(6 - first.weekday()) % 7 + 14)
    return dt.datetime.combine(sunday, dt.time(10), tzinfo=TOKYO)


def months_from_now(offset):
    now = timezone.localtime(timezone.now(), TOKYO)
    index = now.year * 12 + now.month - 1 + offset
    return index // 12, index % 12 + 1


@pytest.fixture
def organiser(site_tree):
    return StakeholderFactory(title="そらいち東村山実行委員会", slug="soraichi")


@pytest.fixture
def people(site_tree, organiser):
    ensure_role_groups()
    other = StakeholderFactory(title="別の団体", slug="other-group")
    users = {
        "citizen": create_user("citizen", "citizen@example.jp", "pw-openlab-1", Role.CITIZEN,
                               display_name="市民A"),
        "citizen2": create_user("citizen2", "citizen2@example.jp", "pw-openlab-1", Role.CITIZEN,
                                display_name="市民B"),
        "partner": create_user("partner", "partner@example.jp", "pw-openlab-1", Role.CITIZEN),
        "other_partner": create_user("other", "other@example.jp", "pw-openlab-1", Role.CITIZEN),
        "facilitator": create_user("fac", "fac@example.jp", "pw-openlab-1", Role.FACILITATOR),
    }  # fmt: skip
    approve_membership(users["partner"], organiser)
    approve_membership(users["other_partner"], other)
    for user in users.values():
        user.refresh_from_db()
    return users


@pytest.fixture
def market(organiser):
    """そらいち東村山: every third Sunday, here with 2 seats so the waitlist shows."""
    start = third_sunday(*months_from_now(-3))
    return make_event(
        title="そらいち東村山",
        slug="soraichi-higashimurayama",
        start=start,
        end=start + dt.timedelta(hours=5),
        rrule="FREQ=MONTHLY;BYDAY=3SU",
        registration="open",
        capacity=2,
        venue_name="東村山駅西口 駅前広場",
        goals=[11, 8, 12, 2],
        organisers=[organiser],
        towns=["honcho"],
        kids_welcome=True,
    )


def next_market_date(event):
    return (
        Occurrence.objects.filter(event=event, end__gte=timezone.now(), cancelled=False)
        .order_by("start")
        .first()
    )


# The shared Playwright fixtures (tests/browser/conftest.py) for the browser test here.
from tests.browser.conftest import browser, page  # noqa: E402, F401
