"""Hostile text through every user-writable input, then every output checked for
executable markup (tests/reliability/xss_corpus.py holds the corpus and the checks).

Each test writes the corpus through one way in (a public form, the Wagtail admin as a
partner and as a facilitator, the CSV import, chat) and reads it back everywhere it is
shown: public pages, the admin, search, chat history, the open-data files and APIs, the
iCal feeds and the personal feed. A payload must come back as text: present (so it was
not silently dropped) and inert (no script, no event handler, no javascript:/data: link).
"""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from tests.reliability.xss_corpus import (
    HOSTILE_URLS,
    PAYLOADS,
    assert_inert_html,
    assert_json_carries,
    csv_cells,
    fitting,
    ical_texts,
    marker_of,
    without,
)

pytestmark = pytest.mark.django_db

PASSWORD = "pw-hostile-12345"


# --- people and helpers ---------------------------------------------------------------
@pytest.fixture
def people(site_tree):
    from openlab.accounts.models import Role
    from openlab.accounts.services import approve_membership, create_user, ensure_role_groups
    from tests.factories import StakeholderFactory

    ensure_role_groups()
    home_group = StakeholderFactory(title="にこにこキッチン", kind="npo", goals=[2])
    partner = create_user("partner1", "p1@example.jp", PASSWORD, Role.CITIZEN, "パートナー")
    approve_membership(partner, home_group)
    return {
        "facilitator": create_user(
            "fac", "fac@example.jp", PASSWORD, Role.FACILITATOR, "ファシリテーター"
        ),
        "partner": partner,
        "stakeholder": home_group,
        "citizen": create_user("citizen1", "c1@example.jp", PASSWORD, Role.CITIZEN, "市民"),
    }


def html_of(client, url, status=200, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == status, f"GET {url}: {response.status_code}"
    assert response["Content-Type"].startswith("text/html"), url
    return response.content.decode()


def assert_page_inert(client, url, payloads=(), status=200, admin=False):
    assert_inert_html(
        html_of(client, url, status), payloads, where=url, inline_scripts_allowed=admin
    )


def packed(payloads, max_length, separator=" "):
    """The payloads packed into strings of at most `max_length` characters."""
    packs, current = [], ""
    for text in payloads:
        candidate = f"{current}{separator}{text}" if current else text
        if len(candidate) <= max_length:
            current = candidate
        else:
            packs.append(current)
            current = text
    return [*packs, current] if current else packs


def contentstate(text, url=None):
    """Draftail's raw submission for a paragraph: `text`, all of it a link to `url`."""
    ranges = [{"offset": 0, "length": len(text), "key": 0}] if url else []
    entities = {"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": url}}} if url else {}
    block = {
        "key": "b0",
        "type": "unstyled",
        "depth": 0,
        "text": text,
        "inlineStyleRanges": [],
        "entityRanges": ranges,
        "data": {},
    }
    return json.dumps({"blocks": [block], "entityMap": entities})


def hostile_body(payloads):
    """A StreamField submission carrying every payload in each text block type, and
    links to every hostile URL."""
    blocks = [("heading", text) for text in payloads]
    blocks += [("paragraph", contentstate(text)) for text in payloads]
    blocks += [("paragraph", contentstate(f"link {i}", url)) for i, url in enumerate(HOSTILE_URLS)]
    blocks += [("quote", {"text": text, "source": text[:60]}) for text in payloads]
    return streamfield(blocks)


def approve_in_admin(client, facilitator, page):
    """The facilitator approves a page submitted to the approval workflow."""
    page = Page.objects.get(pk=page.pk)
    task_state = page.current_workflow_state.current_task_state
    client.force_login(facilitator)
    response = client.post(
        f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/", {"comment": ""}
    )
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live and not page.has_unpublished_changes, f"{page.title!r} is not published"


def admin_post(client, url, data, expect_redirect=True):
    response = client.post(url, data)
    if expect_redirect:
        errors = ""
        if response.status_code == 200:
            errors = response.content.decode()[:0] + str(
                getattr(response.context.get("form"), "errors", "")
            )
        assert response.status_code == 302, f"POST {url}: {response.status_code} {errors}"
    return response


# --- the search box ---------------------------------------------------------------------
def test_search_box_and_filters_show_hostile_queries_as_text(client, site_tree):
    for text in PAYLOADS:
        html = html_of(client, reverse("search"), data={"q": text})
        assert_inert_html(html, [text], where=f"/search/?q={marker_of(text)}")
        data = assert_json_carries(
            client.get(reverse("search_api"), {"q": text}),
            [text],
            where=f"/api/search/?q={marker_of(text)}",
            html_fields=("snippet_html",),
        )
        assert data["query"]["q"] == text.strip()
    # A filter value that is not allowed is named in the error: as text.
    for text in PAYLOADS[:6]:
        params = {"q": "ごみ", "type": text, "kind": text, "town": text, "when": text}
        html = html_of(client, reverse("search"), data=params)
        assert_inert_html(html, [text], where=f"/search/ filters {marker_of(text)}")
        response = client.get(reverse("search_api"), params)
        assert response.status_code == 400
        assert_json_carries(response, [text], where="/api/search/ filter error")


# --- public forms -----------------------------------------------------------------------
def test_sign_up_form_shows_refused_input_as_text(client, site_tree):
    for text in fitting(150):
        response = client.post(
            reverse("account_signup"),
            {"username": text, "email": text, "password1": text, "password2": text},
        )
        assert response.status_code == 200  # refused: the form is shown again
        html = response.content.decode()
        assert_inert_html(html, [text], where=f"sign-up {marker_of(text)}")
        assert "メールアドレス" in html


def test_partner_application_reaches_the_facilitator_as_text(client, people):
    from openlab.accounts.models import PartnerMembership, Role
    from openlab.accounts.services import create_user

    def applicant(name):
        return create_user(name, f"{name}@example.jp", PASSWORD, Role.CITIZEN, name)

    names = packed(PAYLOADS, 120)
    for index, name in enumerate(names):
        # One pending application per account: each name comes from its own citizen.
        citizen = applicant(f"applicant{index}")
        client.force_login(citizen)
        response = client.post(
            reverse("partner_apply"),
            {"stakeholder": "", "new_name": name, "new_kind": "npo", "message": name},
        )
        assert response.status_code == 302, response.content.decode()[:500]
        assert PartnerMembership.objects.filter(user=citizen).count() == 1
        assert_page_inert(client, reverse("partner_status"), [name])
    # A refused application shows what was typed, as text.
    client.force_login(applicant("refused"))
    response = client.post(
        reverse("partner_apply"), {"new_name": PAYLOADS[2], "new_kind": PAYLOADS[3]}
    )
    assert_inert_html(response.content.decode(), [PAYLOADS[2]], where="refused application")
    client.force_login(people["facilitator"])
    assert_page_inert(client, "/admin/partners/", names, admin=True)
    drafts = Page.objects.filter(title__in=names)
    assert drafts.count() == len(names)
    index_id = drafts.first().get_parent().pk
    assert_page_inert(client, f"/admin/pages/{index_id}/", names, admin=True)


def test_event_registration_and_the_organisers_list_show_names_as_text(client, people):
    from events.models import Registration
    from tests.factories import EventFactory

    start = timezone.now() + dt.timedelta(days=5)
    event = EventFactory(
        title="ごみゼロ教室",
        start=start,
        end=start + dt.timedelta(hours=2),
        registration="open",
        capacity=100,
    )
    event.organisers.set([people["stakeholder"]])
    event.save_revision().publish()
    occurrence = event.occurrences.first()
    register_url = event.occurrence_url(occurrence) + "register/"
    for text in fitting(80):
        # Refused (bad address): the form comes back with what was typed.
        response = client.post(register_url, {"name": text, "email": text})
        assert response.status_code == 400
        assert_inert_html(response.content.decode(), [text], where=f"registration {text!r}")
    names = fitting(80)
    for number, text in enumerate(names):
        response = client.post(register_url, {"name": text, "email": f"v{number}@example.jp"})
        assert response.status_code == 302
    assert Registration.objects.filter(occurrence=occurrence).count() == len(names)
    # The organiser (a partner of the organising stakeholder) reads the list.
    client.force_login(people["partner"])
    shown = [" ".join(text.split()) for text in names]
    assert_page_inert(client, event.url + "registrations/", shown)
    response = client.get(f"/events/{event.slug}/registrations.csv")
    cells = csv_cells(response.content.decode("utf-8"))
    for text in shown:
        assert text in cells or "'" + text in cells, text


def test_follow_refusals_and_redirects_stay_inert(client, people):
    client.force_login(people["citizen"])
    for text in PAYLOADS:
        response = client.post(reverse("notifications:follow"), {"target": text, "id": text})
        assert response.status_code == 400
        assert_inert_html(response.content.decode(), where=f"follow refusal {text!r}")
        assert "フォロー" in response.content.decode()
    for url in HOSTILE_URLS:
        response = client.post(
            reverse("notifications:follow"),
            {"target": "goal", "id": "13", "next": url},
        )
        assert response.status_code == 302 and response["Location"] == "/", url


# --- kids' reports -----------------------------------------------------------------------
def test_ambassador_report_is_shown_as_text_everywhere(client, people):
    from projects.models import ReportPage
    from tests.projects.conftest import make_ambassador

    kid = make_ambassador(nickname="ほしのウサギ")
    titles = packed(PAYLOADS, 80)
    body = "\n".join(PAYLOADS)
    for title in titles:
        client.force_login(kid)
        response = client.post(
            reverse("report_new"),
            {"title": title, "body": body, "date": "2026-11-01", "goals": ["13"]},
        )
        assert response.status_code == 302, response.content.decode()[:300]
    assert_page_inert(client, reverse("reports_mine"), titles)
    for report in ReportPage.objects.all():
        approve_in_admin(client, people["facilitator"], report)
    client.logout()
    reports = list(ReportPage.objects.live().order_by("-date", "-pk"))
    assert len(reports) == len(titles)
    for report in reports:
        assert_page_inert(client, report.url, [report.title, *PAYLOADS])
        assert_page_inert(client, report.url + "?furigana=1", [report.title, *PAYLOADS])
        assert_json_carries(
            client.get(f"/api/v2/pages/{report.pk}/"), [report.title, body], where="API report"
        )
    # The home page lists the newest 6, the goal page the newest 12.
    newest_first = [page.title for page in reports]
    for url, shown in (
        ("/reports/", titles),
        ("/reports/?furigana=1", titles),
        ("/", newest_first[:6]),
        ("/sdgs/13/", newest_first[:12]),
    ):
        assert_page_inert(client, url, shown)
    assert_json_carries(client.get("/opendata/reports.json"), titles, where="reports.json")
    cells = csv_cells(b"".join(client.get("/opendata/reports.csv").streaming_content).decode())
    assert all(title in cells for title in titles)


# --- the Wagtail admin: partner and facilitator ------------------------------------------
def page_form(**fields):
    """Wagtail admin form data; lists are multiple-choice values (goals, offers)."""
    choices = {name: value for name, value in fields.items() if isinstance(value, list)}
    others = {name: value for name, value in fields.items() if name not in choices}
    return {**nested_form_data({"comments": inline_formset([]), **others}), **choices}


def test_admin_page_forms_show_hostile_content_as_text(client, people, settings):
    """The partner edits their stakeholder page and proposes projects; the facilitator
    adds stakeholders, events and a vocabulary term, and approves. Everything written is
    then read back from the public site, the admin, search, the APIs and the feeds."""
    from events.models import EventIndexPage, EventPage
    from projects.models import ProjectIndexPage, ProjectPage
    from stakeholders.models import OfferNeedTerm, StakeholderIndexPage, StakeholderPage

    settings.ELASTICSEARCH_URL = ""  # search answers from the database here
    facilitator, partner, own = people["facilitator"], people["partner"], people["stakeholder"]
    tag_texts = without(",\"'", fitting(100))

    # The facilitator adds a vocabulary term with a hostile name (a snippet).
    client.force_login(facilitator)
    term_name = fitting(40)[1]
    admin_post(
        client,
        "/admin/snippets/stakeholders/offerneedterm/add/",
        {"name": term_name, "name_en": PAYLOADS[0], "slug": "hostile-term"},
    )
    term = OfferNeedTerm.objects.get(slug="hostile-term")

    # The partner edits their own stakeholder page; a javascript: website is refused.
    client.force_login(partner)
    summary = packed(PAYLOADS, 200)[0]
    edit_url = f"/admin/pages/{own.pk}/edit/"
    fields = {
        "title": packed(PAYLOADS, 255)[0],
        "slug": own.slug,
        "kind": "npo",
        "summary": summary,
        "description": hostile_body(PAYLOADS),
        "goals": ["13"],
        "offers": [str(term.pk)],
        "needs": [str(term.pk)],
        "tags": ", ".join(f'"{text}"' for text in tag_texts),
        "email": "contact@example.jp",
        "email_public": "on",
        "action-submit": "1",
    }
    for url in HOSTILE_URLS:
        refused = {**fields, "description": streamfield([]), "website": url}
        response = client.post(edit_url, page_form(**refused))
        assert response.status_code == 200, f"{url!r} was accepted as a website"
        assert_inert_html(
            response.content.decode(), [summary], where="refused edit", inline_scripts_allowed=True
        )
        assert "URL" in response.content.decode()
    admin_post(client, edit_url, page_form(**fields, website="https://example.jp/"))

    # The partner proposes projects led by their stakeholder, one per pack of payloads;
    # the first one carries every payload in every block type, milestone and update.
    project_index = ProjectIndexPage.objects.first()
    project_titles = packed(PAYLOADS, 240)
    for number, title in enumerate(project_titles):
        every_field = number == 0
        admin_post(
            client,
            f"/admin/pages/add/projects/projectpage/{project_index.pk}/",
            page_form(
                title=title,
                slug=f"hostile-project-{number}",
                summary=title,
                body=hostile_body(PAYLOADS if every_field else PAYLOADS[:2]),
                lead=str(own.pk),
                status="running",
                goals=["13"],
                images=inline_formset([]),
                milestones=inline_formset(
                    [{"title": t} for t in fitting(120)] if every_field else []
                ),
                updates=inline_formset(
                    [{"date": "2026-10-01", "text": "\n".join(PAYLOADS), "percent": "10"}]
                ),
                **{"action-submit": "1"},
            ),
        )
    for page in [own, *ProjectPage.objects.all()]:
        approve_in_admin(client, facilitator, page)

    # The facilitator adds stakeholders and events and publishes them.
    client.force_login(facilitator)
    stakeholder_index = StakeholderIndexPage.objects.first()
    for number, title in enumerate(packed(PAYLOADS, 200)):
        admin_post(
            client,
            f"/admin/pages/add/stakeholders/stakeholderpage/{stakeholder_index.pk}/",
            page_form(
                title=title,
                slug=f"hostile-stakeholder-{number}",
                kind="company",
                summary=title,
                description=hostile_body(PAYLOADS[:3]),
                goals=["13"],
                offers=[str(term.pk)],
                **{"action-publish": "1"},
            ),
        )
    event_index = EventIndexPage.objects.first()
    start = timezone.localtime() + dt.timedelta(days=3)
    event_titles = packed(PAYLOADS, 200)
    for number, title in enumerate(event_titles):
        admin_post(
            client,
            f"/admin/pages/add/events/eventpage/{event_index.pk}/",
            page_form(
                title=title,
                slug=f"hostile-event-{number}",
                summary=title,
                body=hostile_body(PAYLOADS[:3]),
                organisers=[str(own.pk)],
                start=start.strftime("%Y-%m-%d %H:%M"),
                end=(start + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
                venue_name=title[:120],
                venue_address=title,
                attendance="onsite",
                price="0",
                registration="closed",
                goals=["13"],
                exceptions=inline_formset([]),
                **{"action-publish": "1"},
            ),
        )

    own = StakeholderPage.objects.get(pk=own.pk)
    assert own.live and own.summary == summary and own.title == fields["title"]
    stakeholders = list(StakeholderPage.objects.live())
    projects = list(ProjectPage.objects.live())
    events = list(EventPage.objects.live().exclude(pk__in=[]))
    assert len(projects) == len(project_titles) and len(events) == len(event_titles)
    all_titles = [page.title for page in [*stakeholders, *projects, *events]]

    _read_back_public(client, own, stakeholders, projects, events, term_name, tag_texts)
    _read_back_admin(client, facilitator, [*stakeholders, *projects, *events])
    _read_back_search_and_data(client, all_titles, stakeholders, projects, events)
    _read_back_feeds(client, people["citizen"], projects, events)


def _read_back_public(client, own, stakeholders, projects, events, term_name, tag_texts):
    client.logout()
    assert_page_inert(client, own.url, [own.title, own.summary, term_name, *tag_texts, *PAYLOADS])
    for page in [*stakeholders, *projects, *events]:
        assert_page_inert(client, page.url, [page.title, *PAYLOADS[:3]])
    # The first project carries every payload in its body, milestones and updates.
    assert_page_inert(client, projects[0].url, [*PAYLOADS, *fitting(120)])
    listings = {
        "/stakeholders/": [page.title for page in stakeholders],
        "/stakeholders/?offer=hostile-term": [page.title for page in stakeholders[1:]],
        "/projects/": [page.title for page in projects],
        "/events/": [page.title for page in events],
        f"/events/?view=month&month={events[0].start:%Y-%m}": [],
        "/sdgs/13/": [],
        "/": [],
    }
    for url, titles in listings.items():
        assert_page_inert(client, url, titles)


def _read_back_admin(client, facilitator, pages):
    client.force_login(facilitator)
    for parent_id in {page.get_parent().pk for page in pages}:
        titles = [page.title for page in pages if page.get_parent().pk == parent_id]
        assert_page_inert(client, f"/admin/pages/{parent_id}/", titles, admin=True)
    assert_page_inert(client, "/admin/pages/search/?q=alert", admin=True)
    assert_page_inert(client, "/admin/", admin=True)
    assert_page_inert(client, "/admin/snippets/stakeholders/offerneedterm/", admin=True)
    for page in pages[:2]:
        assert_page_inert(client, f"/admin/pages/{page.pk}/edit/", [page.title], admin=True)
    assert_page_inert(client, f"/admin/pages/{pages[0].pk}/history/", admin=True)
    assert_page_inert(client, "/dashboard/")


def _read_back_search_and_data(client, titles, stakeholders, projects, events):
    client.logout()
    for marker_text in ("alert", "script", "onerror"):
        html = html_of(client, reverse("search"), data={"q": marker_text})
        assert_inert_html(html, where=f"search {marker_text}")
        assert_json_carries(
            client.get(reverse("search_api"), {"q": marker_text}),
            [],
            where=f"search api {marker_text}",
            html_fields=("snippet_html",),
        )
    # Every page carries "alert"; all of them fit on the first page of results.
    assert len(titles) <= 20
    html = html_of(client, reverse("search"), data={"q": "alert"})
    assert_inert_html(html, titles, where="search results for alert")
    for model, pages in (
        ("stakeholders.StakeholderPage", stakeholders),
        ("projects.ProjectPage", projects),
        ("events.EventPage", events),
    ):
        listing = client.get("/api/v2/pages/", {"type": model, "fields": "*", "limit": "20"})
        assert_json_carries(listing, [page.title for page in pages], where=f"API {model}")
        detail = client.get(f"/api/v2/pages/{pages[-1].pk}/")
        assert_json_carries(detail, [pages[-1].title], where=f"API detail {model}")
    for slug, pages in (("stakeholders", stakeholders), ("projects", projects), ("events", events)):
        assert_json_carries(
            client.get(f"/opendata/{slug}.json"),
            [page.title for page in pages],
            where=f"/opendata/{slug}.json",
        )
        content = b"".join(client.get(f"/opendata/{slug}.csv").streaming_content).decode()
        cells = csv_cells(content)
        assert all(page.title in cells for page in pages), slug


def _read_back_feeds(client, citizen, projects, events):
    response = client.get("/events/feed.ics")
    assert response["Content-Type"].startswith("text/calendar")
    texts = ical_texts(response.content)
    for event in events:
        assert event.title in texts
        single = ical_texts(client.get(f"/events/{event.slug}/event.ics").content)
        assert event.title in single
    client.force_login(citizen)
    client.post(reverse("notifications:follow"), {"target": "goal", "id": "13"})
    assert_page_inert(client, reverse("notifications:feed"), [projects[0].title])


# --- the CSV import ---------------------------------------------------------------------
CSV_HEADER = "name,kind,sdgs,targets,towns,offers,needs,tags,website,email,email_public,description"


def _csv(rows):
    buffer = io.StringIO()
    import csv

    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER.split(","))
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def test_csv_import_shows_rows_and_refusals_as_text(client, people, tmp_path):
    from stakeholders.models import StakeholderPage

    def row(name, kind="npo", website="", description=""):
        tags = name.replace(";", "")
        return [name, kind, "13", "", "", "", "", tags, website, "", "false", description]

    rows = [row(text, description=text) for text in PAYLOADS]
    refused = [row(f"ウェブ{n}", website=url) for n, url in enumerate(HOSTILE_URLS)]
    refused += [row(text + " (refused)", kind=text) for text in PAYLOADS]
    client.force_login(people["facilitator"])
    upload = io.BytesIO(_csv(rows + refused))
    upload.name = "hostile.csv"
    response = client.post(reverse("stakeholders_admin:import"), {"file": upload})
    assert response.status_code == 200
    report = response.content.decode()
    # Refused rows are listed with their name and reason: as text.
    assert_inert_html(
        report,
        [*PAYLOADS, *(url.strip() for url in HOSTILE_URLS)],
        where="import report",
        inline_scripts_allowed=True,
    )
    assert report.count("URLではありません") == len(HOSTILE_URLS)
    assert report.count("は使えません") == len(PAYLOADS)
    imported = StakeholderPage.objects.live().filter(title__in=PAYLOADS)
    assert imported.count() == len(PAYLOADS)
    assert StakeholderPage.objects.count() == len(PAYLOADS) + 1  # + the people fixture's
    # The command-line import updates every description.
    path = tmp_path / "hostile.csv"
    path.write_bytes(_csv([row(text, description=f"CLI {text}") for text in PAYLOADS]))
    out = io.StringIO()
    call_command("import_stakeholders", str(path), stdout=out)
    assert f"更新 {len(PAYLOADS)}件" in out.getvalue(), out.getvalue()

    client.logout()
    for page in imported:
        shown = [page.title, page.title.replace(";", ""), f"CLI {page.title}"]
        assert_page_inert(client, page.url, shown)
    assert_page_inert(client, "/stakeholders/", PAYLOADS)
    assert_json_carries(client.get("/opendata/stakeholders.json"), PAYLOADS, where="stakeholders")
    client.force_login(people["facilitator"])
    exported = client.get(reverse("stakeholders_admin:export")).content.decode("utf-8")
    assert all(text in csv_cells(exported) for text in PAYLOADS)
    parent = imported.first().get_parent().pk
    assert_page_inert(client, f"/admin/pages/{parent}/", PAYLOADS[:10], admin=True)


# --- chat ---------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_chat_messages_are_data_in_history_json_and_pages(client, people):
    from asgiref.sync import sync_to_async

    from openlab.accounts.models import Role
    from openlab.accounts.services import approve_membership, create_user
    from openlab.chat import services
    from openlab.chat.models import Message
    from tests.chat.wsutil import connect, receive, run_async, send
    from tests.factories import StakeholderFactory

    alice = people["partner"]
    bob = create_user("bob", "bob@example.jp", PASSWORD, Role.CITIZEN, "ボブ")
    approve_membership(bob, StakeholderFactory(title="森田農園"))
    room = services.open_direct(alice, bob)
    client.force_login(alice)
    half = len(PAYLOADS) // 2
    # Without JavaScript: the form posts to the room page.
    for number, text in enumerate(PAYLOADS[:half]):
        response = client.post(
            room.get_absolute_url(), {"body": text, "key": f"form-key-{number:04}"}
        )
        assert response.status_code == 302
        Message.objects.filter(room=room).update(
            created_at=timezone.now() - dt.timedelta(minutes=1)
        )

    # Through the WebSocket: each frame is acknowledged with the text as data.
    async def scenario():
        socket, connected = await connect(room.pk, alice)
        assert connected
        for number, text in enumerate(PAYLOADS[half:]):
            await send(socket, type="message", body=text + " @ボブ", key=f"ws-key-{number:04}")
            ack = await receive(socket, {"ack", "error"})
            assert ack["type"] == "ack", ack
            assert ack["message"]["body"] == text + " @ボブ"
            await sync_to_async(Message.objects.filter(pk=ack["id"]).update)(
                created_at=timezone.now() - dt.timedelta(minutes=1)
            )
        await send(socket, type="sync", after=0)
        history = await receive(socket, {"history"})
        assert [m["body"] for m in history["messages"]][:half] == PAYLOADS[:half]
        await socket.disconnect()

    run_async(scenario)
    bodies = [*PAYLOADS[:half], *(text + " @ボブ" for text in PAYLOADS[half:])]
    assert list(
        Message.objects.filter(room=room).order_by("pk").values_list("body", flat=True)
    ) == [text.strip() for text in bodies]
    assert_page_inert(client, room.get_absolute_url(), [b.strip() for b in bodies])
    assert_page_inert(client, reverse("chat:room_list"), [bodies[-1].strip()])
    data = assert_json_carries(
        client.get(reverse("chat_api_messages", args=[room.pk])),
        [b.strip() for b in bodies],
        where="chat history API",
    )
    assert len(data["messages"]) == len(bodies)
    # Bob was mentioned and offline: his feed shows the notifications, as text.
    client.force_login(bob)
    assert_page_inert(client, reverse("notifications:feed"), [PAYLOADS[-1] + " @ボブ"])
