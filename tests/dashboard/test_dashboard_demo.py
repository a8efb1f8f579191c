"""Issue 22 item 2: with the demo data, the dashboard's headline totals and its table per
kind of stakeholder agree with what the public listings show (they said 1 of each)."""

import re

import pytest
from django.core.management import call_command

from events.models import EventPage
from projects.models import ProjectPage, ReportPage
from stakeholders.models import StakeholderKind

pytestmark = pytest.mark.django_db


def _listed(client, path):
    """The 「N件」 a public listing says it found."""
    html = client.get(path).content.decode()
    return int(re.search(r'<p role="status"[^>]*>(\d+)件</p>', html).group(1))


def _dashboard(client):
    html = client.get("/dashboard/").content.decode()
    totals = dict(
        re.findall(
            r'<span class="total-label">([^<]+)</span> <span class="total-value">(\d+)</span>',
            html,
        )
    )
    table = html.split('id="table-kinds"', 1)[1].split("</table>", 1)[0]
    kinds = {
        label: [int(n) for n in re.findall(r"<td>(\d+)</td>", cells)]
        for label, cells in re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', table)
    }
    return {label: int(n) for label, n in totals.items()}, kinds


def test_dashboard_counts_agree_with_the_listings(client, settings):
    settings.PAGE_CACHE_ENABLED = False
    call_command("seed_demo", verbosity=0)
    totals, kinds = _dashboard(client)

    assert totals["ステークホルダー"] == _listed(client, "/stakeholders/") >= 260
    assert totals["プロジェクト"] == _listed(client, "/projects/") >= 30
    assert totals["レポート"] == _listed(client, "/reports/") >= 20
    assert totals["イベント"] == EventPage.objects.live().count() >= 40

    for kind in StakeholderKind:
        stakeholders, projects, _events, reports = kinds[str(kind.label)]
        assert stakeholders == _listed(client, f"/stakeholders/?kind={kind.value}"), kind
        assert projects == ProjectPage.objects.live().filter(lead__kind=kind).count(), kind
        assert reports == (ReportPage.objects.live().filter(ambassador_group__kind=kind).count()), (
            kind
        )
    assert sum(row[0] for row in kinds.values()) == totals["ステークホルダー"]
    assert kinds[str(StakeholderKind.AMBASSADOR.label)][3] > 1
