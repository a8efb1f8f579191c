import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from events import services
from events.models import Occurrence, Registration
from events.recurrence import TOKYO, normalise_rrule
from tests.events.conftest import make_event, publish

START = dt.datetime(2026, 12, 20, 10, tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FREQ=MONTHLY;BYDAY=3SU", "FREQ=MONTHLY;BYDAY=3SU"),
        ("RRULE:freq=monthly;byday=3su", "FREQ=MONTHLY;BYDAY=3SU"),
        ("FREQ=MONTHLY;BYDAY=2SA;BYMONTH=1,2,3,4,5,6,7,9,10,11,12",
         "FREQ=MONTHLY;BYDAY=2SA;BYMONTH=1,2,3,4,5,6,7,9,10,11,12"),
        ("FREQ=WEEKLY;UNTIL=20270331", "FREQ=WEEKLY;UNTIL=20270331T235959"),
        ("FREQ=WEEKLY;UNTIL=20270331T145959Z", "FREQ=WEEKLY;UNTIL=20270331T235959"),
        ("", ""),
    ],
)  # fmt: skip
def test_rules_are_normalised(text, expected):
    assert normalise_rrule(text, START) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("BYDAY=3SU", "FREQ"),
        ("FREQ=HOURLY", "DAILY・WEEKLY・MONTHLY・YEARLY"),
        ("FREQ=MONTHLY;BYDAY=9XX", "読み取れません"),
        ("FREQ=MONTHLY;FOO=1", "使えません"),
        ("every third sunday", "RRULEの書き方ではありません"),
        ("FREQ=WEEKLY;UNTIL=20200101", "1日もありません"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101", "同時に指定できません"),
    ],
)
def test_bad_rules_get_a_clear_message(text, message):
    with pytest.raises(ValidationError) as error:
        normalise_rrule(text, START)
    assert message in " ".join(error.value.messages)


@pytest.mark.django_db
def test_publishing_materialises_dates_idempotently(site_tree):
    event = make_event(
        title="第2土曜ミートアップ",
        start=dt.datetime(2026, 6, 13, 14, tzinfo=TOKYO),
        end=dt.datetime(2026, 6, 13, 16, tzinfo=TOKYO),
        rrule="FREQ=MONTHLY;BYDAY=2SA;BYMONTH=1,2,3,4,5,6,7,9,10,11,12",
    )
    dates = list(event.occurrences.values_list("date", flat=True))
    assert dates[0] == dt.date(2026, 6, 13)
    assert all(day.weekday() == 5 and 8 <= day.day <= 14 for day in dates)
    assert not any(day.month == 8 for day in dates)  # "except August"
    assert 15 <= len(dates) <= 25  # bounded horizon (about 18 months)
    first = event.occurrences.order_by("start").first()
    assert first.start == dt.datetime(2026, 6, 13, 14, tzinfo=TOKYO)
    assert first.end - first.start == dt.timedelta(hours=2)
    ids = set(event.occurrences.values_list("pk", flat=True))
    assert services.sync_occurrences(event.pk) is False
    publish(event)
    assert set(event.occurrences.values_list("pk", flat=True)) == ids


@pytest.mark.django_db
def test_one_off_event_keeps_its_registrations_when_its_date_changes(people):
    start = dt.datetime(2027, 1, 16, 10, tzinfo=TOKYO)
    event = make_event(title="梨の枝チップづくり", start=start, end=start + dt.timedelta(hours=2),
                       registration="open", capacity=20)  # fmt: skip
    services.register_user(event.occurrences.get().pk, people["citizen"])
    event.start, event.end = start + dt.timedelta(days=7), start + dt.timedelta(days=7, hours=2)
    publish(event)
    occurrence = Occurrence.objects.get(event=event)
    assert occurrence.date == dt.date(2027, 1, 23)
    assert Registration.objects.get().occurrence == occurrence


@pytest.mark.django_db
def test_a_date_removed_from_the_rule_is_cancelled_if_people_registered(people, mailoutbox):
    start = dt.datetime(2027, 1, 13, 14, tzinfo=TOKYO)
    event = make_event(title="スマホ教室", start=start, end=start + dt.timedelta(hours=2),
                       rrule="FREQ=WEEKLY;BYDAY=WE;COUNT=8", registration="open")  # fmt: skip
    assert event.occurrences.count() == 8
    last = event.occurrences.order_by("start").last()
    services.register_user(last.pk, people["citizen"])
    event.rrule = "FREQ=WEEKLY;BYDAY=WE;COUNT=6"
    publish(event)
    last.refresh_from_db()
    assert last.cancelled and "日程の変更" in last.note
    assert event.occurrences.filter(cancelled=False).count() == 6
    assert event.occurrences.count() == 7  # the empty 7th date was deleted
    assert mailoutbox[-1].subject.startswith("【中止】スマホ教室")
