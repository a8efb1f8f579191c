"""Role × URL permission crawl.

Every URL pattern of the site (walked from Django's resolver, so Wagtail's admin,
allauth, the APIs and every app are included) and the chat WebSocket route are
requested as each role: anonymous, citizen, kids' ambassador, partner of
stakeholder A, partner of stakeholder B, facilitator. What each should get is
declared in one table, tests/reliability/crawl_table.py; a pattern without an
entry there, or an entry whose pattern is gone, fails the test.

Besides the status, each answer is checked for content: allowed pages carry a
marker, and no answer to a role may contain data that role must not see
(A's draft, A's private e-mail, A's chat room, A's registrants...). Views that
change state are also POSTed by the roles they refuse, and the database must
be exactly as before.
"""

import datetime as dt
import hashlib
import io
import json
import re
from urllib.parse import urlsplit

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from PIL import Image as PILImage

from tests.accounts.conftest import roles  # noqa: F401 - the shared role fixture
from tests.chat.wsutil import HOST, ORIGIN, run_async, session_key_for
from tests.reliability import crawl_table as table
from tests.reliability.crawl_table import ROLES, SECRETS

# --- the URL patterns --------------------------------------------------------------


def url_patterns(resolver=None, prefix="", namespace=""):
    """(route, name) of every URL pattern, depth first: route is the full pattern text."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name or '(unnamed)'}"


def websocket_routes():
    from openlab.routing import websocket_urlpatterns

    return [str(entry.pattern) for entry in websocket_urlpatterns]


# --- the objects the URLs point at --------------------------------------------------


def _png():
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), "green").save(buffer, "PNG")
    return buffer.getvalue()


def chat_rooms(roles):  # noqa: F811 - the fixture's value
    """Project rooms: A's (partner A and the facilitators, with a message) and B's."""
    from openlab.chat import services

    room_a = services.room_for_project(roles["project_a"])
    room_b = services.room_for_project(roles["project_b"])
    message, _created = services.send_message(
        roles["partner_a"], room_a.pk, table.ROOM_MESSAGE_A, "crawl-message-a"
    )
    return room_a, room_b, message


def build_world(roles):  # noqa: F811 - the fixture's value
    """Real objects for every URL parameter: most of them owned by stakeholder A, so
    partner B must be refused where partner A is let in. Returns the ids for the table's
    URL templates."""
    from allauth.account.models import EmailAddress
    from wagtail.admin.models import EditingSession
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.documents.models import Document
    from wagtail.images.models import Image
    from wagtail.models import (
        Collection,
        CollectionViewRestriction,
        Page,
        PageViewRestriction,
        UploadedFile,
        Workflow,
    )

    from events import services as event_services
    from events.models import Occurrence
    from openlab.accounts.models import Role
    from openlab.accounts.services import APPROVAL_WORKFLOW, apply_for_partnership, create_user
    from openlab.chat.models import Report as ChatReport
    from openlab.matching.models import MatchProposal
    from openlab.notifications import digests
    from openlab.notifications.models import DigestDelivery
    from projects import services as report_services
    from stakeholders.models import OfferNeedTerm
    from tests.factories import EventFactory, ProjectFactory, StakeholderFactory

    users = {role: roles[role] for role in ROLES if role != "anonymous"}
    a, b = roles["a"], roles["b"]
    c = StakeholderFactory(title="団体C", goals=[11])

    # A's private contact address, and an unpublished revision of A's page.
    a.email, a.email_public = table.PRIVATE_EMAIL_A, False
    a.save_revision().publish()
    a.title = table.DRAFT_REVISION_TITLE_A
    draft_revision = a.save_revision(user=users["partner_a"])
    a = Page.objects.get(pk=a.pk).specific

    # A's unpublished project, submitted to the facilitators' approval workflow.
    draft = ProjectFactory(title=table.DRAFT_TITLE_A, slug="a-draft", lead=a, live=False)
    draft.owner = users["partner_a"]
    draft.save(update_fields=["owner"])
    workflow = Workflow.objects.get(name=APPROVAL_WORKFLOW)
    workflow_state = workflow.start(draft, users["partner_a"])
    task_state = workflow_state.current_task_state

    # A's event taking registrations, with one visitor registered.
    event = EventFactory(title="Aのイベント", slug="a-event", registration="open", capacity=20)
    event.organisers.set([a])
    event.save_revision().publish()
    occurrence = Occurrence.objects.filter(event=event).order_by("start").first()
    registration = event_services.register_visitor(
        occurrence.pk, "来場者", table.REGISTRANT_EMAIL_A
    )

    room_a, room_b, message = chat_rooms(roles)
    chat_report = ChatReport.objects.create(
        message=message, reporter=users["facilitator"], reason="確認用"
    )

    # A match proposal between A and C: partner B is not a side of it.
    proposal = MatchProposal.objects.create(side_a=a, side_b=c, score=0.8)

    # A pending application to speak for A.
    applicant = create_user("applicant", "applicant@example.jp", "pw-Openlab-1", Role.CITIZEN)
    application = apply_for_partnership(applicant, stakeholder=a, message=table.APPLICATION_NOTE)

    # The ambassador's report that a facilitator sent back (only then may the child edit it).
    report = report_services.submit_report(
        users["ambassador"],
        {"title": "公園のごみひろい", "body": "ごみをひろいました。", "date": dt.date(2026, 5, 1)},
        [11],
    )
    report.current_workflow_state.current_task_state.reject(
        user=users["facilitator"], comment="写真をえらびなおしてね"
    )

    # A page and a collection behind a password.
    protected = ProjectFactory(title="合言葉のページ", slug="protected", lead=b)
    page_restriction = PageViewRestriction.objects.create(
        page=protected, restriction_type="password", password="aikotoba"
    )
    private_collection = Collection.get_first_root_node().add_child(name="合言葉の資料")
    collection_restriction = CollectionViewRestriction.objects.create(
        collection=private_collection, restriction_type="password", password="aikotoba"
    )

    image = Image.objects.create(title="クロール画像", file=ContentFile(_png(), "crawl.png"))
    document = Document.objects.create(
        title="クロール資料", file=ContentFile(b"crawl document", "crawl.txt")
    )
    uploaded_image = UploadedFile.objects.create(
        file=ContentFile(_png(), "upload.png"), uploaded_by_user=users["facilitator"]
    )
    term = OfferNeedTerm.objects.create(name="場所の提供")
    redirect = Redirect.objects.create(old_path="/crawl-old", redirect_link="/")
    editing_session = EditingSession.objects.create(
        user=users["partner_a"],
        content_type=a.get_content_type(),
        object_id=str(a.pk),
        last_seen_at=timezone.now(),
    )
    delivery = DigestDelivery.objects.create(
        user=users["citizen"],
        frequency="weekly",
        period_key="crawl",
        window_start=timezone.now() - dt.timedelta(days=7),
        window_end=timezone.now(),
        status=DigestDelivery.Status.EMPTY,
    )
    from django.contrib.auth.models import Group
    from wagtail.models import Site

    return {
        "home": Page.objects.get(depth=2).pk,
        "a": a.pk,
        "a_slug": a.slug,
        "b": b.pk,
        "project_a": roles["project_a"].pk,
        "project_a_slug": roles["project_a"].slug,
        "project_b": roles["project_b"].pk,
        "draft_a": draft.pk,
        "draft_revision_a": draft_revision.pk,
        "projects_index": roles["project_a"].get_parent().pk,
        "stakeholders_index": a.get_parent().pk,
        "event_a": event.pk,
        "event_a_slug": event.slug,
        "occurrence_date": occurrence.date.isoformat(),
        "report": report.pk,
        "protected": protected.pk,
        "page_restriction": page_restriction.pk,
        "collection_restriction": collection_restriction.pk,
        "workflow": workflow.pk,
        "task": task_state.task_id,
        "task_state": task_state.pk,
        "workflow_state": workflow_state.pk,
        "room_a": room_a.pk,
        "room_b": room_b.pk,
        "chat_report": chat_report.pk,
        "proposal": proposal.pk,
        "application": application.pk,
        "image": image.pk,
        "document": document.pk,
        "uploaded_image": uploaded_image.pk,
        "collection": private_collection.pk,
        "term": term.pk,
        "redirect": redirect.pk,
        "editing_session": editing_session.pk,
        "site": Site.objects.get(is_default_site=True).pk,
        "citizen_user": users["citizen"].pk,
        "group": Group.objects.get(name="パートナー").pk,
        "email_address": EmailAddress.objects.get(user=users["citizen"]).pk,
        "unsubscribe_token": digests.unsubscribe_token(users["citizen"]),
        "digest_token": digests.digest_token(delivery),
        "registration": registration.pk,
        "confirm_token": event_services.make_token(registration, "confirm"),
        "cancel_token": event_services.make_token(registration, "cancel"),
    }


@pytest.fixture
def world(roles, media_root):  # noqa: F811
    ids = build_world(roles)
    people = {role: get_user_model().objects.get(pk=roles[role].pk) for role in ROLES[1:]}
    return ids, people


# --- requests and checks ------------------------------------------------------------------


def fill(value, ids):
    """A URL template, post data or outcome text with the world's ids filled in."""
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {fill(key, ids): fill(item, ids) for key, item in value.items()}
    return value


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def contains(body, text):
    """`text` in the answer, as UTF-8 or JSON-escaped (JsonResponse escapes non-ASCII)."""
    return text.encode() in body or json.dumps(text)[1:-1].encode() in body


def leaked_secrets(role, body):
    return [
        secret
        for secret, seen_by in SECRETS.items()
        if role not in seen_by and contains(body, secret)
    ]


def request(client, method, url, data=None):
    """(response, None), or (None, exception) when the view raised: a 500 for the table."""
    try:
        if method == "get":
            return client.get(url), None
        return client.post(url, data), None
    except Exception as error:  # noqa: BLE001 - recorded as the outcome
        return None, error


def describe(response, error):
    if error is not None:
        return f"500 (the view raised {type(error).__name__}: {error})"
    if response.status_code in (301, 302, 303, 307):
        return f"{response.status_code} → {response['Location']}"
    return str(response.status_code)


def check(where, role, case, expected, response, error, ids):
    """The problems with one answer: status, redirect target, marker, protected data."""
    status = 500 if error is not None else response.status_code
    if status != expected.status:
        return [f"{where}: expected {expected}, got {describe(response, error)}"]
    if error is not None:
        return []
    problems = []
    body = body_of(response)
    if expected.to:
        target = urlsplit(response["Location"]).path
        if target != fill(expected.to, ids):
            problems.append(
                f"{where}: expected {fill(expected.to, ids)!r}, got {describe(response, error)}"
            )
    if expected.marker and not contains(body, fill(expected.marker, ids)):
        problems.append(f"{where}: the answer does not contain {fill(expected.marker, ids)!r}")
    leaks = leaked_secrets(role, body)
    if leaks:
        problems.append(f"{where}: shows {role} data they must not see: {leaks}")
    return problems


class WriteRecorder:
    """The SQL statements that would change a table (sessions aside) while it is installed."""

    WRITES = ("insert", "update", "delete", "replace")

    def __init__(self):
        self.writes = []

    def __call__(self, execute, sql, params, many, context):
        statement = sql.lstrip().lower()
        if statement.startswith(self.WRITES) and "django_session" not in statement:
            self.writes.append(sql[:100])
        return execute(sql, params, many, context)


def database_fingerprint():
    """A digest of every table except sessions: equal before and after means nothing changed."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model._meta.proxy or model._meta.label in UNWATCHED_TABLES:
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        if model is get_user_model():
            fields.remove("last_login")  # signing the crawler in sets it
        digest.update(model._meta.label.encode())
        digest.update(repr(list(model._base_manager.order_by("pk").values_list(*fields))).encode())
    return digest.hexdigest()


UNWATCHED_TABLES = {"sessions.Session"}


class Crawler:
    """One role's client. Keeps the role signed in (Wagtail's logout view drops the session
    cookie even when it refuses a GET) and in Japanese (the /lang/ links switch language)."""

    def __init__(self, role, user):
        self.role = role
        self.client = Client(raise_request_exception=True)
        if user is not None:
            self.client.force_login(user)
        self.session = self.client.cookies.get(settings.SESSION_COOKIE_NAME)

    def __call__(self, method, url, data=None):
        answer = request(self.client, method, url, data)
        cookies = self.client.cookies
        cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
        if self.session is not None and cookies.get(settings.SESSION_COOKIE_NAME) != self.session:
            cookies[settings.SESSION_COOKIE_NAME] = self.session.value
        return answer


def crawl(role, user, ids):
    """Every case of the table as `role`: the GETs, then the refused POSTs. Returns problems."""
    crawler = Crawler(role, user)
    problems, posts = [], []
    for route, cases in table.TABLE.items():
        for case in cases:
            url = fill(case.url, ids)
            response, error = crawler("get", url)
            where = f"{role}: GET {url} [{route}]"
            problems += check(where, role, case, case.expect[role], response, error, ids)
            if role in case.refused_posts():
                posts.append((route, case, url))

    before = database_fingerprint()
    for route, case, url in posts:
        recorder = WriteRecorder()
        with connection.execute_wrapper(recorder):
            response, error = crawler("post", url, fill(case.post, ids))
        where = f"{role}: POST {url} [{route}]"
        problems += check(where, role, case, case.refused_posts()[role], response, error, ids)
        if recorder.writes:
            problems.append(f"{where}: a refused POST wrote to the database: {recorder.writes[:3]}")
    if database_fingerprint() != before:
        problems.append(f"{role}: the database changed during the refused POSTs")
    return problems


# --- the tests --------------------------------------------------------------------------------


def test_the_table_has_exactly_the_sites_url_patterns():
    routes = dict(url_patterns())
    missing = [
        f"{route}  (name {name})" for route, name in routes.items() if route not in table.TABLE
    ]
    stale = [route for route in table.TABLE if route not in routes]
    assert not missing, (
        "URL patterns with no entry in tests/reliability/crawl_table.py (declare who may "
        "reach them):\n  " + "\n  ".join(missing)
    )
    assert not stale, (
        "entries in tests/reliability/crawl_table.py for patterns the site no longer has:\n  "
        + "\n  ".join(stale)
    )
    for route, cases in table.TABLE.items():
        assert cases, route
        for case in cases:
            assert set(case.expect) == set(ROLES), (route, case.url)


def test_the_table_has_exactly_the_websocket_routes():
    assert set(table.WEBSOCKET_TABLE) == set(websocket_routes()), (
        "the WebSocket routes in openlab/routing.py and WEBSOCKET_TABLE differ: "
        f"{sorted(set(websocket_routes()) ^ set(table.WEBSOCKET_TABLE))}"
    )


@pytest.mark.django_db
def test_every_url_as_every_role(world):
    ids, people = world
    problems = []
    for role in ROLES:
        problems += crawl(role, people.get(role), ids)
    assert not problems, f"{len(problems)} answers differ from crawl_table.py:\n" + "\n".join(
        problems
    )


async def _open_socket(path, user):
    """A WebSocket through the real ASGI application, signed in by session cookie."""
    from openlab.asgi import application

    headers = [HOST, ORIGIN]
    if user is not None:
        session_key = await sync_to_async(session_key_for)(user)
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _code = await communicator.connect(timeout=15)
    return communicator, connected


async def _history(communicator):
    """Asks for the room's messages and returns the history frame (presence frames skipped)."""
    await communicator.send_to(text_data=json.dumps({"type": "sync", "after": 0}))
    while True:
        frame = json.loads(await communicator.receive_from(timeout=15))
        if frame["type"] == "history":
            return frame


@pytest.mark.django_db(transaction=True)
def test_chat_websocket_as_every_role(roles):  # noqa: F811
    from channels.layers import channel_layers

    room_a, room_b, _message = chat_rooms(roles)
    ids = {"room_a": room_a.pk, "room_b": room_b.pk}
    people = {role: roles[role] for role in ROLES[1:]}
    channel_layers.backends.clear()  # a Redis layer is bound to the event loop that made it
    problems = []

    async def scenario():
        for route, paths in table.WEBSOCKET_TABLE.items():
            for path_template, expected in paths.items():
                # A route without a room id (the catch-all) lists whole paths.
                pattern = re.sub(r"<\w+:room_id>", path_template, route)
                path = "/" + fill(pattern if pattern != route else path_template, ids)
                for role in ROLES:
                    where = f"{role}: WebSocket {path} [{route}]"
                    communicator, connected = await _open_socket(path, people.get(role))
                    if connected != expected[role]:
                        problems.append(
                            f"{where}: expected connected={expected[role]}, got {connected}"
                        )
                    if connected:
                        history = await _history(communicator)
                        said = [message["body"] for message in history["messages"]]
                        if path_template == "{room_a}" and table.ROOM_MESSAGE_A not in said:
                            problems.append(f"{where}: A's message missing from the history {said}")
                        if path_template != "{room_a}" and table.ROOM_MESSAGE_A in said:
                            problems.append(f"{where}: A's message in another room's history")
                    await communicator.disconnect()

    try:
        run_async(scenario)
    finally:
        channel_layers.backends.clear()
    assert not problems, "\n".join(problems)
