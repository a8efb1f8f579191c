import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openlab.models import Town
from projects.models import Milestone, ProgressUpdate, ProjectPage
from projects.services import staleness
from stakeholders.models import OfferNeedTerm
from tests.factories import EventFactory, ProjectFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


def _add_updates(project, days_ago_list, percent=None):
    today = timezone.localdate()
    for i, days in enumerate(days_ago_list):
        ProgressUpdate.objects.create(
            project=project,
            date=today - dt.timedelta(days=days),
            text=f"進捗その{i + 1}",
            percent=percent if percent is None else min(100, percent + i),
            sort_order=i,
        )


def _make_projects(n, lead, term, town):
    for i in range(n):
        project = ProjectFactory(title=f"一覧プロジェクト{i}", goals=[11, 3], lead=lead)
        project.partners.add(lead)
        project.seeking.add(term)
        project.towns.add(town)
        project.save()
        _add_updates(project, [5, 40])


def test_project_directory_filters_are_in_the_url(client, site_tree):
    lead = StakeholderFactory(title="東村山市 交通課", slug="kotsu")
    other = StakeholderFactory(title="青葉町の会", slug="aoba-kai")
    venue = OfferNeedTerm.objects.create(slug="venue", name="会場提供")
    aoba = Town.objects.get(slug="aoba")
    bus = ProjectFactory(title="デマンド交通の実証実験", goals=[11], lead=lead, status="running")
    bus.seeking.add(venue)
    bus.towns.add(aoba)
    bus.save_revision().publish()
    ProjectFactory(title="フードドライブ", goals=[2, 12], lead=other, status="recruiting")
    ProjectFactory(title="森の学校", goals=[15], status="done")

    def titles(query):
        html = client.get("/projects/" + query).content.decode()
        return {t for t in ("デマンド交通の実証実験", "フードドライブ", "森の学校") if t in html}

    assert titles("") == {"デマンド交通の実証実験", "フードドライブ", "森の学校"}
    assert titles("?sdg=11") == {"デマンド交通の実証実験"}
    assert titles("?status=recruiting") == {"フードドライブ"}
    assert titles("?town=aoba") == {"デマンド交通の実証実験"}
    assert titles("?seeking=venue") == {"デマンド交通の実証実験"}
    assert titles("?seeking=any") == {"デマンド交通の実証実験"}
    assert titles("?stakeholder=aoba-kai") == {"フードドライブ"}
    assert titles("?sdg=2&status=recruiting") == {"フードドライブ"}
    # Junk is ignored, never a 500.
    for junk in ("?sdg=99&status=nope&town=%3Cx%3E&page=-1", "?page=999999999999"):
        response = client.get("/projects/" + junk)
        assert response.status_code == 200
    html = client.get("/projects/?status=running").content.decode()
    assert '<option value="running" selected>' in html


def test_directory_queries_are_constant(client, site_tree):
    lead = StakeholderFactory()
    term = OfferNeedTerm.objects.create(slug="funding", name="資金")
    town = Town.objects.get(slug="honcho")
    counts = []
    for n in (3, 30):
        _make_projects(n - ProjectPage.objects.count(), lead, term, town)
        for query in ("", "?sdg=11&town=honcho&seeking=funding&status=running"):
            client.get("/projects/" + query)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get("/projects/" + query + ("&" if query else "?") + "x=1")
            assert response.status_code == 200
            counts.append(len(ctx.captured_queries))
    assert max(counts) <= 20, counts
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
    assert "一覧プロジェクト" in response.content.decode()


def test_project_page_with_30_updates_runs_constant_queries(client, site_tree):
    lead = StakeholderFactory(title="主催の会")
    partner = StakeholderFactory(title="協働の会")
    event = EventFactory(title="関連するワークショップ")

    def build(slug, n_updates):
        project = ProjectFactory(slug=slug, title=f"進捗{n_updates}件のプロジェクト", lead=lead)
        project.partners.add(partner)
        project.related_events.add(event)
        project.save_revision().publish()
        _add_updates(project, list(range(1, n_updates + 1)), percent=10)
        Milestone.objects.create(
            project=project, title="試行開始", due=dt.date(2026, 4, 1), done=True
        )
        return ProjectPage.objects.get(pk=project.pk)

    counts = {}
    for n in (2, 30):
        project = build(f"pj-{n}", n)
        client.get(project.url)
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(project.url + "?q=1").content.decode()
        counts[n] = len(ctx.captured_queries)
        assert html.count('<time datetime="') >= n
    assert counts[2] == counts[30] and counts[30] <= 20, counts
    # Newest first, lead, partner, milestone and event shown.
    assert html.index("進捗その1") < html.index("進捗その30")
    for text in ("主催の会", "協働の会", "試行開始", "関連するワークショップ", "達成"):
        assert text in html


@pytest.mark.parametrize(
    ("status", "days", "expected"),
    [
        ("running", 10, ""),
        ("running", 89, ""),
        ("running", 90, "yellow"),
        ("running", 179, "yellow"),
        ("running", 180, "red"),
        ("recruiting", 400, ""),
        ("done", 400, ""),
    ],
)
def test_staleness_light(site_tree, status, days, expected):
    project = ProjectFactory(status=status, start_date=dt.date(2024, 1, 1))
    _add_updates(project, [days, days + 30])
    assert (
        staleness(project, last_update=timezone.localdate() - dt.timedelta(days=days)) == expected
    )


def test_running_project_without_updates_counts_from_its_start(site_tree):
    project = ProjectFactory(start_date=timezone.localdate() - dt.timedelta(days=100))
    assert staleness(project) == "yellow"


def test_stale_light_shows_on_list_and_page(client, site_tree):
    quiet = ProjectFactory(title="静かなプロジェクト")
    _add_updates(quiet, [200])
    html = client.get("/projects/").content.decode()
    assert "stale-light stale-red" in html
    assert "stale-red" in client.get(quiet.url).content.decode()


def _admin_form_data(**fields):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

    return nested_form_data(
        {
            "title": "新しいプロジェクト",
            "slug": "new-pj",
            "status": "idea",
            "summary": "",
            "body": streamfield([]),
            "images": inline_formset([]),
            "milestones": inline_formset([]),
            "updates": inline_formset([]),
            "comments": inline_formset([]),
            **fields,
        }
    )


def test_partner_may_lead_only_their_own_stakeholders_projects(partner):
    from projects.forms import ProjectPageForm

    other = StakeholderFactory(title="よその団体")
    form_class = ProjectPage.get_edit_handler().get_form_class()
    assert issubclass(form_class, ProjectPageForm)
    form = form_class(
        _admin_form_data(lead=str(other.pk)), instance=ProjectPage(), for_user=partner
    )
    assert not form.is_valid()
    assert "lead" in form.errors
    assert list(form.fields["lead"].queryset) == [partner.stakeholder]
    form = form_class(
        _admin_form_data(lead=str(partner.stakeholder.pk)), instance=ProjectPage(), for_user=partner
    )
    assert form.is_valid(), form.errors
    form = form_class(
        _admin_form_data(
            lead=str(partner.stakeholder.pk), start_date="2026-05-01", end_date="2026-04-01"
        ),
        instance=ProjectPage(),
        for_user=partner,
    )
    assert not form.is_valid()
    assert "end_date" in form.errors and "lead" not in form.errors


def test_facilitator_may_pick_any_lead(facilitator):
    other = StakeholderFactory(title="よその団体")
    form_class = ProjectPage.get_edit_handler().get_form_class()
    form = form_class(
        _admin_form_data(lead=str(other.pk)), instance=ProjectPage(), for_user=facilitator
    )
    assert form.is_valid(), form.errors
