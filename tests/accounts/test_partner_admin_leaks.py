"""Issue 14, item 6: a partner reads no title of a page that is neither public nor theirs.

Other organisations' drafts, children's reports awaiting moderation and the draft
stakeholder pages of pending applications have sequential ids: every admin view that
takes a page id must refuse them to a partner of another stakeholder, and the page
forms' choices must not list them. Facilitators keep seeing everything.
"""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model

from openlab.accounts.models import Role
from openlab.accounts.services import apply_for_partnership, create_user
from tests.factories import EventFactory, ProjectFactory

pytestmark = pytest.mark.django_db

DRAFT = "Aの秘密の下書き"
REPORT = "こどもの審査待ちレポート"
APPLICATION = "申請中のひみつ団体"
DRAFT_EVENT = "Aの非公開イベント"
SECRETS = (DRAFT, REPORT, APPLICATION, DRAFT_EVENT)


@pytest.fixture
def hidden(roles):
    """One page of each hidden kind: A's draft project and draft event, an ambassador's
    report awaiting moderation, a citizen's application for a new stakeholder."""
    from projects import services as report_services

    draft = ProjectFactory(title=DRAFT, slug="secret-draft", lead=roles["a"], live=False)
    draft_event = EventFactory(title=DRAFT_EVENT, slug="secret-event", live=False)
    draft_event.organisers.set([roles["a"]])
    draft_event.save()
    report = report_services.submit_report(
        roles["ambassador"],
        {"title": REPORT, "body": "ごみをひろいました。", "date": dt.date(2026, 5, 1)},
        [11],
    )
    applicant = create_user("applicant", "ap@example.jp", "pw-Openlab-1", Role.CITIZEN)
    application = apply_for_partnership(applicant, new_name=APPLICATION, new_kind="company")
    return {
        "draft": draft.pk,
        "event": draft_event.pk,
        "report": report.pk,
        "application": application.stakeholder_id,
    }


def _user(roles, role):
    return get_user_model().objects.get(pk=roles[role].pk)


PAGE_URLS = [
    "/admin/pages/{id}/",
    "/admin/pages/{id}/results/",
    "/admin/choose-page/{id}/",
    "/admin/choose-page/chosen-multiple/?id={id}",
    "/admin/bulk/wagtailcore/page/delete/?id={id}",
    "/admin/bulk/wagtailcore/page/unpublish/?id={id}",
    "/admin/bulk/wagtailcore/page/move/?id={id}",
]


def _shows(response, text):
    """`text` in the answer, as UTF-8 or JSON-escaped (the chooser answers in JSON)."""
    body = response.content.decode()
    return text in body or json.dumps(text)[1:-1] in body


@pytest.mark.parametrize("url", PAGE_URLS)
def test_a_partner_is_refused_every_admin_view_of_a_hidden_page(client, roles, hidden, url):
    client.force_login(_user(roles, "partner_b"))
    for kind in ("draft", "event", "report", "application"):
        response = client.get(url.format(id=hidden[kind]))
        assert response.status_code == 403, (url, kind, response.status_code)
        assert not any(_shows(response, secret) for secret in SECRETS)


def test_select_all_in_a_bulk_action_does_not_name_hidden_pages(client, roles, hidden):
    client.force_login(_user(roles, "partner_b"))
    projects_index = roles["project_a"].get_parent().pk
    response = client.get(f"/admin/bulk/wagtailcore/page/delete/?id=all&childOf={projects_index}")
    assert response.status_code == 403
    assert DRAFT not in response.content.decode()


def test_a_partner_still_opens_their_own_draft(client, roles, hidden):
    client.force_login(_user(roles, "partner_a"))
    for url in ("/admin/pages/{id}/", "/admin/choose-page/chosen-multiple/?id={id}"):
        response = client.get(url.format(id=hidden["draft"]))
        assert response.status_code == 200
        assert _shows(response, DRAFT)


@pytest.mark.parametrize("url", PAGE_URLS)
def test_facilitators_see_every_page(client, roles, hidden, url):
    client.force_login(_user(roles, "facilitator"))
    response = client.get(url.format(id=hidden["report"]))
    assert response.status_code == 200, (url, response.status_code)


def test_the_page_types_report_is_for_facilitators(client, roles, hidden):
    client.force_login(_user(roles, "partner_b"))
    for url in ("/admin/reports/page-types-usage/", "/admin/reports/page-types-usage/results/"):
        response = client.get(url)
        assert response.status_code == 403
        for secret in SECRETS:
            assert secret not in response.content.decode()
    # ...and the reports menu does not offer it to partners.
    home = client.get("/admin/").content.decode()
    assert "/admin/reports/page-types-usage/" not in home
    client.force_login(_user(roles, "facilitator"))
    response = client.get("/admin/reports/page-types-usage/results/")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/admin/pages/add/projects/projectpage/{projects}/", "/admin/pages/{project_b}/edit/"],
)
def test_project_and_event_forms_offer_only_public_or_own_pages(client, roles, hidden, url):
    client.force_login(_user(roles, "partner_b"))
    ids = {"projects": roles["project_b"].get_parent().pk, "project_b": roles["project_b"].pk}
    response = client.get(url.format(**ids))
    assert response.status_code == 200
    form = response.context["form"]
    for field in ("partners", "related_events"):
        titles = {page.title for page in form.fields[field].queryset}
        assert not titles & set(SECRETS), (field, titles)
    # Public stakeholders stay choosable as partners.
    assert "団体A" in {page.title for page in form.fields["partners"].queryset}
    body = response.content.decode()
    for secret in SECRETS:
        assert secret not in body


def test_event_form_organisers_offer_only_public_or_own_pages(client, roles, hidden):
    from events.models import EventIndexPage

    client.force_login(_user(roles, "partner_b"))
    events_index = EventIndexPage.objects.first()
    response = client.get(f"/admin/pages/add/events/eventpage/{events_index.pk}/")
    assert response.status_code == 200
    titles = {page.title for page in response.context["form"].fields["organisers"].queryset}
    assert APPLICATION not in titles
    assert {"団体A", "団体B"} <= titles
    assert APPLICATION not in response.content.decode()


def test_facilitator_forms_offer_every_page(client, roles, hidden):
    client.force_login(_user(roles, "facilitator"))
    response = client.get(f"/admin/pages/{roles['project_b'].pk}/edit/")
    titles = {page.title for page in response.context["form"].fields["partners"].queryset}
    assert APPLICATION in titles
