"""Stakeholders are listed in 50音 order of their reading, without the legal form."""

import csv
import io
import re
from importlib import import_module

import pytest
from django.apps import apps

from stakeholders.csv_io import write_csv
from stakeholders.models import StakeholderPage
from stakeholders.reading import name_reading, without_legal_form
from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db

# Written-name (code point) order would be 一般…, 久米川…, 株式会社…, 秋津…, みどり…
NAMES = ["みどりの学校", "株式会社わかば", "秋津エコ商店", "一般社団法人いろは", "久米川こども食堂"]
IN_50ON_ORDER = [
    "秋津エコ商店",
    "一般社団法人いろは",
    "久米川こども食堂",
    "みどりの学校",
    "株式会社わかば",
]


@pytest.fixture
def named(site_tree):
    return [StakeholderFactory(title=name) for name in NAMES]


def _titles(html):
    return re.findall(r'<h3 class="card-title"><a href="[^"]*">([^<]+)</a>', html)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("株式会社みどり", "みどり"),
        ("みどり株式会社", "みどり"),
        ("㈱みどり", "みどり"),
        ("（株）みどり", "みどり"),
        ("一般社団法人 東村山ネット", "東村山ネット"),
        ("認定NPO法人あい", "あい"),
        ("特定非営利活動法人まちづくり", "まちづくり"),
        ("株式会社", "株式会社"),  # nothing left: the name itself
        ("東村山市役所", "東村山市役所"),
    ],
)
def test_the_legal_form_is_left_out(name, expected):
    assert without_legal_form(name) == expected


def test_the_reading_is_katakana_of_the_name_without_its_legal_form():
    assert name_reading("株式会社みどり") == "ミドリ"
    assert name_reading("東村山市役所 環境安全部") == "ヒガシムラヤマシヤクショカンキョウアンゼンブ"
    assert name_reading("ひがしむらやまSDGsカフェ") == "ヒガシムラヤマエスディージーズカフェ"


def test_the_directory_lists_names_in_50on_order(client, named):
    assert _titles(client.get("/stakeholders/").content.decode()) == IN_50ON_ORDER
    assert _titles(client.get("/stakeholders/?sort=name").content.decode()) == IN_50ON_ORDER


def test_the_csv_export_lists_names_in_50on_order(named):
    out = io.StringIO()
    write_csv(out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [row["name"] for row in rows] == IN_50ON_ORDER


def test_the_reading_follows_the_published_title_not_a_draft(named):
    page = StakeholderPage.objects.get(title="みどりの学校")
    assert page.name_reading == "ミドリノガッコウ"
    page.title = "あおぞら学校"
    revision = page.save_revision()
    page.refresh_from_db()
    assert page.name_reading == "ミドリノガッコウ"  # a draft changes nothing public
    revision.publish()
    page.refresh_from_db()
    assert page.name_reading == "アオゾラガッコウ"


def test_the_migration_backfills_existing_rows(named):
    StakeholderPage.objects.update(name_reading="")
    migration = import_module("stakeholders.migrations.0002_name_reading")
    migration.backfill(apps, None)
    readings = dict(StakeholderPage.objects.values_list("title", "name_reading"))
    assert readings["株式会社わかば"] == "ワカバ"
    assert readings["一般社団法人いろは"] == "イロハ"
    assert all(readings.values())
