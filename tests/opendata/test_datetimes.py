"""Issue 19 item 3: every date-time the site writes for machines is RFC 3339 with seconds and
an offset (2026-06-21T10:00:00+09:00), from one writer (openlab.dates.rfc3339)."""

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.template import Context, Template
from django.utils import timezone

from openlab import dates
from tests.factories import EventFactory, ProjectFactory, ReportFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

# Strict RFC 3339 date-time: seconds and offset required, fractions allowed by the RFC.
RFC3339 = re.compile(
    r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:"
    r"([0-5][0-9]|60)(\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)
# What openlab.dates.rfc3339 writes: whole seconds, Tokyo's offset.
WRITTEN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+09:00")
# Anything that starts like a date and goes on with a time is meant as a date-time.
LOOKS_LIKE_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]")
DATASETS = ["stakeholders", "projects", "events", "reports"]


def _values(value):
    """Every string inside a JSON value, and the parts of a CSV list cell."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item)
    elif isinstance(value, str):
        for part in value.split(";"):
            yield from part.split("/") if LOOKS_LIKE_DATETIME.match(part) else [part]


def _datetimes(value):
    found = [v for v in _values(value) if LOOKS_LIKE_DATETIME.match(v)]
    bad = [v for v in found if not RFC3339.fullmatch(v)]
    return found, bad


@pytest.fixture
def content(site_tree):
    lead = StakeholderFactory(title="主催団体")
    ProjectFactory(title="雨水タンク実験", lead=lead)
    start = timezone.make_aware(dt.datetime(2030, 6, 21, 10, 0))
    EventFactory(title="まちあるき", start=start, end=start + dt.timedelta(hours=2))
    EventFactory(title="毎月", rrule="FREQ=MONTHLY;COUNT=3")
    ReportFactory(title="ごみひろい")


def test_the_writer():
    tokyo = dt.datetime(2026, 6, 21, 10, 0, tzinfo=dates.TOKYO)
    assert dates.rfc3339(tokyo) == "2026-06-21T10:00:00+09:00"
    assert dates.rfc3339(tokyo.astimezone(dt.UTC)) == "2026-06-21T10:00:00+09:00"
    assert dates.rfc3339(tokyo.replace(microsecond=123456)) == "2026-06-21T10:00:00+09:00"
    assert dates.rfc3339(dt.datetime(2026, 6, 21, 10, 0)) == "2026-06-21T10:00:00+09:00"
    assert dates.rfc3339("2026-06-21T01:00:00.5+00:00") == "2026-06-21T10:00:00+09:00"
    assert dates.rfc3339(dt.date(2026, 6, 21)) == "2026-06-21"
    assert dates.rfc3339("2026-06-21") == "2026-06-21"
    assert dates.rfc3339(None) is None and dates.rfc3339("") is None


def test_the_template_filter_uses_the_same_writer():
    when = dt.datetime(2026, 6, 21, 1, 0, 0, 999, tzinfo=dt.UTC)
    html = Template("{% load openlab_tags %}{{ when|html_datetime }}").render(
        Context({"when": when})
    )
    assert html == "2026-06-21T10:00:00+09:00"


@pytest.mark.parametrize("slug", DATASETS)
def test_every_datetime_cell_of_every_dataset_is_rfc3339(content, client, slug):
    raw = b"".join(client.get(f"/opendata/{slug}.csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw)))
    found, bad = _datetimes(rows)
    assert found and not bad, bad[:5]

    doc = json.loads(b"".join(client.get(f"/opendata/{slug}.json").streaming_content))
    found, bad = _datetimes(doc)
    assert found and not bad, bad[:5]
    assert RFC3339.fullmatch(doc["generated_at"])


def test_the_events_dataset_writes_tokyo_time_with_seconds(content, client):
    doc = json.loads(b"".join(client.get("/opendata/events.json").streaming_content))
    item = next(i for i in doc["items"] if i["title"] == "まちあるき")
    assert item["start"] == "2030-06-21T10:00:00+09:00"
    assert item["end"] == "2030-06-21T12:00:00+09:00"
    assert item["occurrences"] == [
        {"start": "2030-06-21T10:00:00+09:00", "end": "2030-06-21T12:00:00+09:00"}
    ]


def test_the_search_api_and_api_v2_write_rfc3339(content, client):
    data = client.get("/api/search/", {"type": "event"}).json()
    found, bad = _datetimes(data)
    assert found and not bad, bad[:5]
    walk = next(hit for hit in data["results"] if hit["title"] == "まちあるき")
    assert walk["event_start"] == "2030-06-21T10:00:00+09:00"

    for query in ("type=events.EventPage&fields=start,end", "fields=first_published_at"):
        data = client.get(f"/api/v2/pages/?{query}").json()
        found, bad = _datetimes(data)
        assert found and not bad, bad[:5]
        # The same writer as the data sets: Tokyo time, whole seconds.
        assert all(WRITTEN.fullmatch(value) for value in found), found[:5]

    data = client.get("/api/v2/pages/?type=events.EventPage&fields=start,end").json()
    walk = next(item for item in data["items"] if item["title"] == "まちあるき")
    assert walk["start"] == "2030-06-21T10:00:00+09:00"
    assert walk["end"] == "2030-06-21T12:00:00+09:00"
