import io

import pytest
from django.core.management import CommandError, call_command

from stakeholders.csv_io import COLUMNS, FileRefused, import_file
from stakeholders.models import OfferNeedTerm, StakeholderPage

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)
GOOD = [
    "久米川こども食堂,npo,1;2;11,2.1;11.a,久米川町,会場提供;食材,資金,子ども;食堂,"
    "https://example.jp/,kodomo@example.jp,true,毎週水曜日に開いています。",
    '秋津エコ商店,企業,12,,秋津町;市外,,IT支援,,,,false,"一行目\n\n二段落目"',
]


@pytest.fixture
def vocabulary(site_tree):
    for slug, name in [("venue", "会場提供"), ("food", "食材"), ("funding", "資金"),
                       ("it-support", "IT支援")]:  # fmt: skip
        OfferNeedTerm.objects.create(slug=slug, name=name)


def _csv(*rows, encoding="utf-8"):
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding)


def test_import_creates_pages_with_every_field(vocabulary):
    report = import_file(_csv(*GOOD))
    assert [name for _, name in report.created] == ["久米川こども食堂", "秋津エコ商店"]
    page = StakeholderPage.objects.get(title="久米川こども食堂")
    assert page.live and page.kind == "npo"
    assert sorted(g.pk for g in page.goals.all()) == [1, 2, 11]
    assert sorted(t.pk for t in page.targets.all()) == ["11.a", "2.1"]
    assert [t.name for t in page.towns.all()] == ["久米川町"]
    assert sorted(t.name for t in page.offers.all()) == ["会場提供", "食材"]
    assert [t.name for t in page.needs.all()] == ["資金"]
    assert sorted(t.name for t in page.tags.all()) == ["子ども", "食堂"]
    assert page.email == "kodomo@example.jp" and page.email_public
    assert "毎週水曜日" in str(page.description)
    assert StakeholderPage.objects.get(title="秋津エコ商店").kind == "company"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp932"])
def test_import_reads_utf8_with_or_without_bom_and_shift_jis(vocabulary, encoding):
    report = import_file(_csv(GOOD[0], encoding=encoding))
    assert len(report.created) == 1
    assert StakeholderPage.objects.filter(title="久米川こども食堂").exists()


BAD = [
    ("悪いSDG,npo,18,,,,,,,,false,", "SDGsの目標は1〜17です"),
    ("悪いターゲット,npo,4,4.z,,,,,,,false,", "ターゲット「4.z」は存在しません"),
    ("悪い種別,alien,4,,,,,,,,false,", "種別（kind）「alien」"),
    ("悪いできること,npo,4,,,宇宙旅行,,,,,false,", "できること（offers）「宇宙旅行」"),
    (",npo,4,,,,,,,,false,", "名前（name）が空です"),
    ("悪いメール,npo,4,,,,,,,not-an-email,false,", "メールアドレス（email）「not-an-email」"),
    ("悪い町,npo,4,,アトランティス,,,,,,false,", "町（towns）「アトランティス」"),
    ("悪いURL,npo,4,,,,,,javascript:alert(1),,false,", "URLではありません"),
    ("悪い公開,npo,4,,,,,,,,maybe,", "true か false"),
    ("列が足りない,npo", "列の数が見出しと合いません"),
]


def test_bad_rows_are_rejected_with_line_and_reason_and_good_rows_imported(vocabulary):
    rows = [GOOD[0], *[row for row, _ in BAD], GOOD[0].replace(",true,", ",false,"), GOOD[1]]
    report = import_file(_csv(*rows))
    assert len(report.created) == 2
    rejected = {line: reason for line, _, reason in report.rejected}
    for offset, (_, reason) in enumerate(BAD):
        assert reason in rejected[3 + offset], (3 + offset, rejected)
    duplicate_line = 3 + len(BAD)
    assert "同じ名前「久米川こども食堂」が2行目にもあります" in rejected[duplicate_line]
    assert not StakeholderPage.objects.filter(title__startswith="悪い").exists()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "ファイルが空です"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "CSVファイルではありません"),
        (b"\xff\xfe\xfa\xfb\x81\x00", "CSVファイルではありません"),
        (b"name\x81\x20kind\xe3\x81", "文字コードを判別できません"),
        ("名前,メモ\nあ,い\n".encode(), "1行目の見出しが正しくありません"),
        (b"just some text\n", "1行目の見出しが正しくありません"),
    ],
)
def test_unreadable_files_are_refused_and_change_nothing(vocabulary, data, message):
    before = StakeholderPage.objects.count()
    with pytest.raises(FileRefused, match=message):
        import_file(data)
    assert StakeholderPage.objects.count() == before


def test_a_stakeholder_with_an_edit_awaiting_approval_is_not_overwritten(vocabulary):
    from django.contrib.auth.models import Group

    from openlab.accounts.services import ensure_approval_workflow

    import_file(_csv(*GOOD))
    page = StakeholderPage.objects.get(title="久米川こども食堂")
    page.summary = "パートナーの変更案"
    page.save_revision()
    ensure_approval_workflow(Group.objects.create(name="承認者")).start(page, None)
    changed = GOOD[0].replace("毎週水曜日に開いています。", "毎週木曜日に開いています。")
    report = import_file(_csv(changed))
    [(line, name, reason)] = report.rejected
    assert (line, name) == (2, "久米川こども食堂") and "承認待ちの変更があります" in reason
    page.refresh_from_db()
    assert "毎週水曜日" in str(page.description)


def test_reimport_updates_and_reports_unchanged(vocabulary):
    import_file(_csv(*GOOD))
    changed = GOOD[0].replace("毎週水曜日に開いています。", "毎週木曜日に開いています。")
    report = import_file(_csv(changed, GOOD[1]))
    assert [name for _, name in report.updated] == ["久米川こども食堂"]
    assert [name for _, name in report.unchanged] == ["秋津エコ商店"]
    page = StakeholderPage.objects.get(title="久米川こども食堂")
    assert "毎週木曜日" in str(page.description)
    assert StakeholderPage.objects.filter(title="久米川こども食堂").count() == 1


@pytest.mark.parametrize("private", [False, True])
def test_export_then_import_changes_nothing(vocabulary, tmp_path, private):
    import_file(_csv(*GOOD, "非公開メールの団体,npo,3,,,,,,,hidden@example.jp,false,説明"))
    path = tmp_path / "export.csv"
    args = ["--output", str(path)] + (["--private"] if private else [])
    call_command("export_stakeholders", *args, stderr=io.StringIO())
    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert ("hidden@example.jp" in text) is private
    out = io.StringIO()
    call_command(
        "import_stakeholders", str(path), "--no-progress", stdout=out, stderr=io.StringIO()
    )
    assert "作成 0件、更新 0件、変更なし 3件、取り込めなかった行 0件" in out.getvalue()
    assert StakeholderPage.objects.get(title="非公開メールの団体").email == "hidden@example.jp"


def test_import_command_reports_rejected_lines(vocabulary, tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(_csv(GOOD[0], BAD[0][0]))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_stakeholders", str(path), stdout=out, stderr=err)
    assert "3行目（悪いSDG）: SDGsの目標は1〜17です" in out.getvalue()
    assert "作成 1件" in out.getvalue()


def test_import_command_refuses_a_missing_or_unreadable_file(vocabulary, tmp_path):
    with pytest.raises(CommandError, match="ファイルが見つかりません"):
        call_command("import_stakeholders", str(tmp_path / "nope.csv"))
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\x00\x01\x02")
    with pytest.raises(CommandError, match="CSVファイルではありません"):
        call_command("import_stakeholders", str(path))


def test_admin_upload_for_facilitators(client, vocabulary):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from openlab.accounts.services import create_user, ensure_role_groups

    ensure_role_groups()
    facilitator = create_user("fa", "fa@example.jp", "pw-Openlab-1", "facilitator")
    client.force_login(facilitator)
    upload = SimpleUploadedFile("s.csv", _csv(GOOD[0], BAD[1][0]), content_type="text/csv")
    html = client.post("/admin/stakeholders/import/", {"file": upload}).content.decode()
    assert "作成 1件" in html
    assert "ターゲット「4.z」は存在しません" in html
    upload = SimpleUploadedFile("s.csv", b"\x00\x00", content_type="text/csv")
    html = client.post("/admin/stakeholders/import/", {"file": upload}).content.decode()
    assert "CSVファイルではありません" in html
    response = client.get("/admin/stakeholders/export/")
    assert "久米川こども食堂" in response.content.decode("utf-8-sig")


def test_export_file_names_tell_public_from_private_with_the_japan_date(client, vocabulary):
    import datetime as dt

    from django.utils import timezone

    from openlab.accounts.services import create_user, ensure_role_groups
    from stakeholders.views import export_filename

    # 15:30 UTC on 6 December is already 7 December in Japan.
    late = dt.datetime(2026, 12, 6, 15, 30, tzinfo=dt.UTC)
    assert export_filename(False, late) == "stakeholders-public-2026-12-07.csv"
    assert export_filename(True, late) == "stakeholders-private-2026-12-07.csv"

    ensure_role_groups()
    client.force_login(create_user("fa", "fa@example.jp", "pw-Openlab-1", "facilitator"))
    today = timezone.localdate().isoformat()
    public = client.get("/admin/stakeholders/export/")["Content-Disposition"]
    private = client.get("/admin/stakeholders/export/?private=1")["Content-Disposition"]
    assert public == f'attachment; filename="stakeholders-public-{today}.csv"'
    assert private == f'attachment; filename="stakeholders-private-{today}.csv"'
