"""English through gettext: Japanese first, English after the language switch.

The English catalogue (locale/en/LC_MESSAGES/django.po) is committed together
with its compiled .mo, so a fresh machine needs no gettext tools.
"""

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import formats, timezone, translation

from tests.factories import EventFactory, StakeholderFactory

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"

# UI text of the shared header and footer, in both languages.
HEADER_JA = ["メインメニュー", "ステークホルダー", "プロジェクト", "本文へ移動", "ログイン"]
HEADER_EN = ["Main menu", "Stakeholders", "Projects", "Skip to main content", "Log in"]


@pytest.fixture
def pages(site_tree):
    StakeholderFactory(title="久米川町の子ども食堂", goals=[1, 11])
    event = EventFactory(title="そらいち東村山", slug="soraichi", goals=[11])
    return {
        "home": ("/", "ステークホルダーをさがす", "Find stakeholders"),
        "directory": ("/stakeholders/", "ステークホルダーを絞り込む", "Filter stakeholders"),
        "event": (event.url, "カレンダーに追加", "Add to calendar"),
        "_event": event,
    }


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.mark.parametrize("name", ["home", "directory", "event"])
def test_pages_are_japanese_without_a_choice(client, pages, name):
    path, label_ja, label_en = pages[name]
    html = client.get(path).content.decode()
    assert '<html lang="ja">' in html
    for text in [*HEADER_JA, label_ja]:
        assert text in html
    for text in [*HEADER_EN, label_en]:
        assert text not in html


@pytest.mark.parametrize("name", ["home", "directory", "event"])
def test_pages_are_english_with_the_english_cookie(client, pages, name):
    path, label_ja, label_en = pages[name]
    english(client)
    response = client.get(path)
    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in html
    for text in [*HEADER_EN, label_en]:
        assert text in html
    # (Page titles and other content stay as written: only the UI is translated.)
    header = html[html.index("<header") : html.index("</header>")]
    for text in HEADER_JA:
        assert text not in header
    assert label_ja not in html


def test_english_dates_and_goal_names(client, pages):
    event = pages["_event"]
    english(client)
    html = client.get(event.url).content.decode()
    with translation.override("en"):
        expected = formats.date_format(timezone.localtime(event.start), "D, F j, Y")
    assert expected in html
    assert "年" not in expected
    home = client.get("/").content.decode()
    assert "Sustainable cities and communities" in home
    assert "住み続けられるまちづくりを" not in home


def test_language_switch_sets_the_cookie_and_returns(client, pages):
    response = client.get("/lang/en/", {"next": "/stakeholders/"})
    assert response.status_code == 302
    assert response["Location"] == "/stakeholders/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in client.get("/stakeholders/").content.decode()
    client.get("/lang/ja/", {"next": "/"})
    assert '<html lang="ja">' in client.get("/stakeholders/").content.decode()


def test_cached_anonymous_pages_keep_each_language_apart(client, pages, settings):
    settings.PAGE_CACHE_ENABLED = True
    for code, expected in [("ja", "メインメニュー"), ("en", "Main menu"), ("ja", "メインメニュー")]:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
        html = client.get("/").content.decode()
        assert f'<html lang="{code}">' in html
        assert expected in html


def read_po(path):
    """(entries, fuzzy msgids) of a .po file. An entry is a dict of its keywords
    ("msgctxt", "msgid", "msgstr", or "msgid_plural" and "msgstr[n]") and their text."""
    entries, fuzzy = [], set()
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, key = {}, None
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                entry["fuzzy"] = True
            elif line.startswith(("msgctxt ", "msgid", "msgstr")):
                key, _, literal = line.partition(" ")
                entry[key] = ast.literal_eval(literal)
            elif line.startswith('"') and key:
                entry[key] += ast.literal_eval(line)
        if entry.get("msgid"):  # the header has an empty msgid
            entries.append(entry)
            if entry.get("fuzzy"):
                fuzzy.add(entry["msgid"])
    return entries, fuzzy


def test_english_catalogue_is_complete_and_compiled():
    entries, fuzzy = read_po(CATALOGUE / "django.po")
    assert len(entries) > 800
    assert not fuzzy, sorted(fuzzy)[:10]
    with open(CATALOGUE / "django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog
    stale = []
    for entry in entries:
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"  # how gettext keys a context
        if "msgid_plural" in entry:
            pairs = [((msgid, n), entry[f"msgstr[{n}]"]) for n in (0, 1)]
        else:
            pairs = [(msgid, entry["msgstr"])]
        for key, translated in pairs:
            assert translated, f"untranslated: {key!r}"
            if catalogue.get(key) != translated:
                stale.append(key)
    assert not stale, f"django.mo is older than django.po (run compilemessages): {stale[:5]}"
