import datetime as dt

import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from events.models import EventIndexPage, EventPage

pytestmark = pytest.mark.django_db


def post_event(client, **overrides):
    index = EventIndexPage.objects.get()
    data = {
        "title": "まちづくりワークショップ",
        "slug": "machizukuri-ws",
        "summary": "",
        "body": streamfield([]),
        "start": "2026-12-20 10:00",
        "end": "2026-12-20 12:00",
        "rrule": "",
        "attendance": "onsite",
        "price": "0",
        "registration": "closed",
        "exceptions": inline_formset([]),
        **overrides,
    }
    return client.post(f"/admin/pages/add/events/eventpage/{index.pk}/", nested_form_data(data))


def test_end_before_start_is_refused_with_a_clear_message(client, people):
    client.force_login(people["facilitator"])
    response = post_event(client, end="2026-12-20 09:00")
    assert response.status_code == 200
    assert "終了日時は開始日時より後にしてください" in response.content.decode()
    assert not EventPage.objects.filter(slug="machizukuri-ws").exists()


def test_invalid_rrule_is_refused_with_a_clear_message(client, people):
    client.force_login(people["facilitator"])
    response = post_event(client, rrule="FREQ=SOMETIMES")
    assert "DAILY・WEEKLY・MONTHLY・YEARLY" in response.content.decode()
    assert not EventPage.objects.filter(slug="machizukuri-ws").exists()


def test_exception_must_be_one_of_the_dates(client, people):
    client.force_login(people["facilitator"])
    response = post_event(
        client,
        rrule="FREQ=MONTHLY;BYDAY=3SU",
        exceptions=inline_formset([{"date": "2027-01-18", "action": "cancel", "note": ""}]),
    )
    assert "このイベントの開催日ではありません" in response.content.decode()


def test_valid_event_is_saved_with_its_rule(client, people):
    client.force_login(people["facilitator"])
    response = post_event(
        client,
        rrule="rrule:freq=monthly;byday=3su",
        exceptions=inline_formset([{"date": "2027-01-17", "action": "cancel", "note": "雪"}]),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page = EventPage.objects.get(slug="machizukuri-ws")
    assert page.rrule == "FREQ=MONTHLY;BYDAY=3SU"
    assert page.start == dt.datetime(2026, 12, 20, 1, tzinfo=dt.UTC)


def test_admin_page_menu_links_organisers_to_registrations(client, people, market):
    client.force_login(people["facilitator"])
    html = client.get(f"/admin/pages/{market.get_parent().pk}/").content.decode()
    assert "/events/soraichi-higashimurayama/registrations/" in html
