"""The event editor applies the shared partner rule (openlab.accounts.forms.PartnerPageForm):
a partner's event must count one of their own stakeholders among its organisers."""

import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from events.models import EventIndexPage, EventPage

pytestmark = pytest.mark.django_db

REFUSAL = "主催には、あなたがパートナーを務める団体を少なくとも1つ含めてください。"


def add_event(client, organisers, slug):
    index = EventIndexPage.objects.get()
    data = {
        "title": "パートナーのワークショップ",
        "slug": slug,
        "summary": "",
        "body": streamfield([]),
        "start": "2026-12-20 10:00",
        "end": "2026-12-20 12:00",
        "rrule": "",
        "attendance": "onsite",
        "price": "0",
        "registration": "closed",
        "exceptions": inline_formset([]),
    }
    form = nested_form_data(data)  # (it would flatten a list into organisers-0, organisers-1)
    form["organisers"] = [stakeholder.pk for stakeholder in organisers]
    return client.post(f"/admin/pages/add/events/eventpage/{index.pk}/", form)


def other_group():
    from stakeholders.models import StakeholderPage

    return StakeholderPage.objects.get(slug="other-group")


def test_partner_b_cannot_name_a_stakeholder_of_a_as_the_organiser(client, people, organiser):
    client.force_login(people["other_partner"])  # partner of 別の団体 only
    response = add_event(client, [organiser], slug="hijack")
    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert not EventPage.objects.filter(slug="hijack").exists()


def test_partner_b_can_organise_with_their_own_stakeholder(client, people, organiser):
    client.force_login(people["other_partner"])
    # Co-organising with A is fine as long as B's own stakeholder is among the organisers.
    response = add_event(client, [organiser, other_group()], slug="together")
    assert response.status_code == 302, response.content.decode()[:2000]
    event = EventPage.objects.get(slug="together")
    assert set(event.organisers.values_list("slug", flat=True)) == {"soraichi", "other-group"}


def test_facilitator_may_name_any_organiser(client, people, organiser):
    client.force_login(people["facilitator"])
    response = add_event(client, [organiser], slug="by-facilitator")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert EventPage.objects.filter(slug="by-facilitator").exists()
