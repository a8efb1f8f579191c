import csv
import io
import json

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openlab.accounts.models import Role
from tests.factories import EventFactory, ProjectFactory, ReportFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

DATASETS = ["stakeholders", "projects", "events", "reports"]


def body(response):
    assert response.streaming, "exports must stream"
    return b"".join(response.streaming_content)


def csv_rows(response):
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def json_doc(response):
    return json.loads(body(response).decode("utf-8"))


def test_the_page_explains_datasets_fields_and_licence(site_tree, client):
    html = client.get("/opendata/").content.decode()
    assert "CC BY 4.0" in html and "クリエイティブ・コモンズ" in html
    for slug in DATASETS:
        assert f"/opendata/{slug}.csv" in html and f"/opendata/{slug}.json" in html
    assert "<code>kind</code>" in html and "<code>occurrences</code>" in html
    assert "/api/v2/" in html
    assert 'href="/events/feed.ics"' in html  # the iCal feed, and that it filters
    assert 'href="/events/feed.ics?sdg=11"' in html


def test_stakeholders_csv_and_json(site_tree, client):
    StakeholderFactory(title="みどりの会", kind="npo", goals=[11, 4])
    response = client.get("/opendata/stakeholders.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert len(rows) == 1
    row = rows[0]
    assert row["title"] == "みどりの会" and row["kind"] == "npo" and row["goals"] == "4;11"
    assert row["url"].startswith("http://testserver/stakeholders/")

    doc = json_doc(client.get("/opendata/stakeholders.json"))
    assert doc["licence"] == "CC BY 4.0" and doc["dataset"] == "stakeholders"
    assert doc["items"][0]["goals"] == [4, 11]
    assert [f["name"] for f in doc["fields"]][:3] == ["id", "title", "url"]


def test_every_dataset_downloads_in_both_formats(site_tree, client):
    lead = StakeholderFactory(title="主催団体")
    ProjectFactory(title="雨水タンク実験", lead=lead, goals=[6])
    EventFactory(title="まちあるき", goals=[11], rrule="FREQ=MONTHLY;COUNT=3")
    ReportFactory(title="ごみひろい", goals=[14])
    for slug, title in [
        ("projects", "雨水タンク実験"),
        ("events", "まちあるき"),
        ("reports", "ごみひろい"),
    ]:
        rows = csv_rows(client.get(f"/opendata/{slug}.csv"))
        assert [row["title"] for row in rows] == [title]
        doc = json_doc(client.get(f"/opendata/{slug}.json"))
        assert doc["items"][0]["title"] == title
    project = json_doc(client.get("/opendata/projects.json"))["items"][0]
    assert project["lead"] == "主催団体" and project["goals"] == [6]


def test_events_carry_their_upcoming_occurrences(site_tree, client):
    event = EventFactory(title="そらいち", rrule="FREQ=MONTHLY;COUNT=3")
    occurrence = apps.get_model("events", "Occurrence")
    if not occurrence.objects.filter(event=event).exists():
        from events.services import sync_occurrences

        sync_occurrences(event.pk)
    expected = occurrence.objects.filter(event=event, end__gte=timezone.now()).count()
    item = json_doc(client.get("/opendata/events.json"))["items"][0]
    assert len(item["occurrences"]) == expected >= 1
    row = csv_rows(client.get("/opendata/events.csv"))[0]
    assert row["occurrences"].count("/") == expected


def test_spreadsheet_formulas_are_neutralised(site_tree, client):
    StakeholderFactory(title='=HYPERLINK("http://evil")')
    row = csv_rows(client.get("/opendata/stakeholders.csv"))[0]
    assert row["title"].startswith("'=")


def test_unknown_dataset_or_format_is_a_404(site_tree, client):
    assert client.get("/opendata/users.csv").status_code == 404
    assert client.get("/opendata/stakeholders.xlsx").status_code == 404


def test_exports_run_a_constant_number_of_queries(site_tree, client):
    def count(slug):
        with CaptureQueriesContext(connection) as ctx:
            body(client.get(f"/opendata/{slug}.json"))
        return len(ctx.captured_queries)

    lead = StakeholderFactory()
    for _ in range(2):
        StakeholderFactory(goals=[1])
        ProjectFactory(lead=lead, goals=[2])
        EventFactory(goals=[3])
        ReportFactory(goals=[4])
    small = {slug: count(slug) for slug in DATASETS}
    for _ in range(5):
        StakeholderFactory(goals=[1, 2])
        ProjectFactory(lead=lead, goals=[2])
        EventFactory(goals=[3])
        ReportFactory(goals=[4])
    assert {slug: count(slug) for slug in DATASETS} == small


# --- privacy ------------------------------------------------------------------------------


def _all_exports(client):
    out = []
    for slug in DATASETS:
        for fmt in ("csv", "json"):
            out.append(body(client.get(f"/opendata/{slug}.{fmt}")).decode("utf-8"))
    out.append(client.get("/api/v2/pages/?fields=*&limit=20").content.decode())
    for slug in DATASETS:
        model = {
            "stakeholders": "stakeholders.StakeholderPage",
            "projects": "projects.ProjectPage",
            "events": "events.EventPage",
            "reports": "projects.ReportPage",
        }[slug]
        out.append(client.get(f"/api/v2/pages/?type={model}&fields=*").content.decode())
    return "\n".join(out)


def test_nothing_private_can_appear(site_tree, client, make_user):
    from openlab.accounts.services import create_user

    public = StakeholderFactory(title="公開団体", email="open@example.jp", email_public=True)
    StakeholderFactory(title="非公開メール団体", email="secret@example.jp", email_public=False)
    StakeholderFactory(title="非公開の団体", live=False, summary="SECRET-UNPUBLISHED")
    # A published page with a draft on top: only the published text may appear.
    drafted = StakeholderFactory(title="公開版の団体", summary="公開の紹介")
    drafted.summary = "SECRET-DRAFT"
    drafted.save_revision()
    # An unpublished lead must not leak through a published project.
    hidden_lead = StakeholderFactory(title="SECRET-LEAD", live=False)
    ProjectFactory(title="公開プロジェクト", lead=hidden_lead)

    # A kid's report: their real name lives only in the account.
    kid = create_user(
        "kid1", "kid-parent@example.jp", "pw-123456-openlab", Role.AMBASSADOR,
        display_name="SECRET-REALNAME 山田太郎", nickname="みどりのカメ", grade="小学5年",
    )  # fmt: skip
    kid.first_name, kid.last_name = "太郎", "山田SECRET"
    kid.save()
    ReportFactory(title="ごみひろい", nickname="みどりのカメ", grade="小学5年")

    # A registration for an event, with the person's name and e-mail.
    event = EventFactory(title="公開イベント", registration="open", capacity=10)
    occurrence_model = apps.get_model("events", "Occurrence")
    occurrence = occurrence_model.objects.filter(event=event).first()
    if occurrence is None:
        occurrence = occurrence_model.objects.create(
            event=event, original_date=event.start.date(), date=event.start.date(),
            start=event.start, end=event.end,
        )  # fmt: skip
    apps.get_model("events", "Registration").objects.create(
        occurrence=occurrence, name="SECRET-REGISTRANT", email="registrant@example.jp",
        status="confirmed",
    )  # fmt: skip

    # A chat message.
    room_model = apps.get_model("chat", "Room")
    room = room_model.objects.create(
        kind=room_model._meta.get_field("kind").choices[0][0], key="k-1", title="SECRET-ROOM"
    )
    apps.get_model("chat", "Message").objects.create(
        room=room, sender=make_user(), body="SECRET-CHAT", client_key="c-1"
    )

    text = _all_exports(client)
    assert "open@example.jp" in text and public.title in text  # the public parts are there
    assert "公開の紹介" in text
    for secret in (
        "secret@example.jp",
        "SECRET-UNPUBLISHED",
        "非公開の団体",
        "SECRET-DRAFT",
        "SECRET-LEAD",
        "SECRET-REALNAME",
        "山田",
        "kid-parent@example.jp",
        "SECRET-REGISTRANT",
        "registrant@example.jp",
        "SECRET-CHAT",
        "SECRET-ROOM",
    ):
        assert secret not in text, secret
