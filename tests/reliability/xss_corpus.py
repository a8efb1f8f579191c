"""Hostile text shared by the reliability tests, and the checks that an output carries it
as inert text: an HTML page, a JSON document, a CSV file or an iCalendar file.

Every payload holds a marker ("x01" ... "x18"), so a failure names the payload that got
through. Payloads have no kanji (furigana would change them) and no NUL (PostgreSQL
refuses it; tests/reliability/test_fuzz.py covers NUL), and are at most 60 characters so
they fit the short fields (titles, summaries).
"""

import csv
import io
import json
import re
from html.parser import HTMLParser

PAYLOADS = [
    '<script>alert("x01")</script>',
    "<img src=x onerror=alert('x02')>",
    "\"><img src=x onerror=alert('x03')>",
    "'><svg onload=alert('x04')>",
    "<svg><script>alert('x05')</script></svg>",
    "<a href=\"javascript:alert('x06')\">x06</a>",
    "<iframe src=\"data:text/html,<script>alert('x07')</script>\">",
    "<body onload=alert('x08')>",
    "<div <script>alert('x09')</script",
    "</textarea></title><script>alert('x10')</script>",
    "{{ request.user.password }}{% debug %}x11",
    "＜script＞alert('x12')＜/script＞",
    "<scr\u200bipt>alert('x13')</scr\u200bipt>",
    "\u202e<b onmouseover=alert('x14')>gnp.exe",
    "<math><style><img src=x onerror=alert('x15')>",
    "javascript:alert('x16')",
    "<!--<img src=\"--><img src=x onerror=alert('x17')//\">",
    "<a href=\"&#106;avascript:alert('x18')\">x18</a>",
]
MARKERS = [re.search(r"x\d\d", text).group(0) for text in PAYLOADS]
# URLs that must never become a link target.
HOSTILE_URLS = [
    "javascript:alert('x16')",
    " JaVaScRiPt:alert('x16')",
    "java\tscript:alert('x16')",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgneDE2Jyk8L3NjcmlwdD4=",
    "vbscript:msgbox('x16')",
]


def fitting(max_length, payloads=PAYLOADS):
    """The payloads that fit a field of `max_length` characters."""
    return [text for text in payloads if len(text) <= max_length]


def without(characters, payloads=PAYLOADS):
    """The payloads containing none of `characters` (e.g. a tag field splits on ",")."""
    return [text for text in payloads if not any(c in text for c in characters)]


def marker_of(text):
    found = re.search(r"x\d\d", text)
    return found.group(0) if found else "?"


# --- HTML ---------------------------------------------------------------------------------
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "srcset", "lowsrc", "dynsrc", "codebase", "cite", "ping",
}  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
NEVER_ALLOWED_TAGS = {"iframe", "frame", "object", "embed", "applet", "base", "frameset"}
RAW_TEXT_TAGS = {"script", "style"}


def _scheme_is_dangerous(value):
    # Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
    folded = re.sub(r"[\x00-\x20\x7f-\xa0\u200b\ufeff]+", "", value or "").lower()
    return folded.startswith(DANGEROUS_SCHEMES)


class _Scanner(HTMLParser):
    def __init__(self, script_sources, inline_scripts_allowed):
        super().__init__(convert_charrefs=True)
        self.script_sources = script_sources
        self.inline_scripts_allowed = inline_scripts_allowed
        self.problems = []
        self.texts = []
        self.attribute_values = []
        self.raw_text_tag = None
        self.raw_text = []
        self.svg_depth = 0

    def handle_starttag(self, tag, attrs):
        self._element(tag, attrs, closes=False)

    def handle_startendtag(self, tag, attrs):
        self._element(tag, attrs, closes=True)

    def _element(self, tag, attrs, closes):
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)[:120]}>"
        values = dict(attrs)
        for name, value in attrs:
            self.attribute_values.append(value or "")
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name!r} in {where}")
            if name in URL_ATTRIBUTES and _scheme_is_dangerous(value):
                self.problems.append(f"dangerous URL in {name!r} of {where}")
            if name == "srcdoc":
                self.problems.append(f"srcdoc attribute in {where}")
        carries_user_text = any(marker in where for marker in MARKERS)
        # The admin has a preview <iframe> of its own; one built from user text is refused.
        if tag in NEVER_ALLOWED_TAGS and (carries_user_text or not self.inline_scripts_allowed):
            self.problems.append(f"<{tag}> element: {where}")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.problems.append(f"meta refresh: {where}")
        if tag == "svg" and not closes:
            self.svg_depth += 1
        if tag in ("script", "foreignobject") and self.svg_depth:
            self.problems.append(f"<{tag}> inside <svg>: {where}")
        if tag == "script":
            src = values.get("src")
            if src is not None and not src.startswith(self.script_sources):
                self.problems.append(f"script from outside {self.script_sources}: {where}")
            if src is None and not closes:
                self._start_raw("script:" + (values.get("type") or ""))
        elif tag == "style" and not closes:
            self._start_raw("style")

    def _start_raw(self, kind):
        self.raw_text_tag = kind
        self.raw_text = []

    def handle_endtag(self, tag):
        if tag == "svg" and self.svg_depth:
            self.svg_depth -= 1
        if tag in RAW_TEXT_TAGS and self.raw_text_tag is not None:
            self._check_raw("".join(self.raw_text))
            self.raw_text_tag = None

    def _check_raw(self, content):
        kind = self.raw_text_tag
        carries_user_text = any(marker in content for marker in MARKERS)
        if kind.startswith("script:"):
            script_type = kind.split(":", 1)[1].lower()
            if script_type == "application/json":
                # Data, not code: it must parse, and it cannot be closed early by the text.
                try:
                    json.loads(content)
                except ValueError:
                    self.problems.append(f"inline JSON script that is not JSON: {content[:80]!r}")
            elif not self.inline_scripts_allowed:
                self.problems.append(f"inline <script>: {content[:80]!r}")
            elif carries_user_text:
                self.problems.append(f"user text inside an inline <script>: {content[:80]!r}")
        elif carries_user_text:
            self.problems.append(f"user text inside a <style> element: {content[:80]!r}")

    def handle_data(self, data):
        if self.raw_text_tag is not None:
            self.raw_text.append(data)
        else:
            self.texts.append(data)

    def handle_comment(self, data):
        if any(marker in data for marker in MARKERS):
            self.problems.append(f"user text inside an HTML comment: {data[:80]!r}")


SITE_SCRIPTS = ("/static/",)
# The Wagtail admin's own scripts: its static files and its translation catalogue.
ADMIN_SCRIPTS = ("/static/", "/admin/jsi18n/")


def scan_html(html, inline_scripts_allowed=False):
    """(problems, shown): executable markup found, and everything a reader sees as text
    (text nodes and attribute values, entities decoded). `inline_scripts_allowed` is for
    the Wagtail admin (its own inline scripts and translation catalogue)."""
    sources = ADMIN_SCRIPTS if inline_scripts_allowed else SITE_SCRIPTS
    scanner = _Scanner(sources, inline_scripts_allowed)
    scanner.feed(html)
    scanner.close()
    shown = "".join(scanner.texts) + "\n" + "\n".join(scanner.attribute_values)
    return scanner.problems, shown


def assert_inert_html(html, payloads=(), where="", inline_scripts_allowed=False):
    """No executable markup in `html`, and each of `payloads` shown as text.

    `inline_scripts_allowed`: the Wagtail admin has inline scripts of its own; they may
    stay, but none of them may contain a payload marker.
    """
    problems, shown = scan_html(html, inline_scripts_allowed=inline_scripts_allowed)
    assert not problems, f"executable markup in {where}: " + "; ".join(problems[:5])
    missing = [text for text in payloads if text not in shown]
    assert not missing, f"{where}: not shown as escaped text (dropped or mangled): " + ", ".join(
        f"{marker_of(text)} {text!r}" for text in missing[:5]
    )


# --- JSON, CSV, iCalendar ---------------------------------------------------------------
def json_strings(value):
    """Every string in a decoded JSON document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def assert_json_carries(response, payloads, where="", html_fields=()):
    """A valid JSON response whose strings hold each payload as data; the strings of
    `html_fields` (keys holding HTML, such as rich text) have no executable markup."""
    content_type = response["Content-Type"]
    assert content_type.startswith("application/json"), f"{where}: {content_type}"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    data = json.loads(body.decode("utf-8"))
    strings = list(json_strings(data))
    missing = [text for text in payloads if not any(text in s for s in strings)]
    assert not missing, f"{where}: payloads missing from the JSON: {missing[:3]}"
    for value in _values_of(data, set(html_fields)):
        assert_inert_html(value, where=f"{where} (HTML field)")
    return data


def _values_of(data, keys):
    if isinstance(data, dict):
        for key, item in data.items():
            if key in keys and isinstance(item, str):
                yield item
            else:
                yield from _values_of(item, keys)
    elif isinstance(data, list):
        for item in data:
            yield from _values_of(item, keys)


def csv_cells(text):
    """The cells of a CSV the site wrote, read back as its own import reads them (a text
    cell that a spreadsheet would run was written with an apostrophe: openlab.csvfile)."""
    from openlab.csvfile import restore

    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    return [restore(cell) for row in rows for cell in row]


def ical_texts(data):
    """The SUMMARY, DESCRIPTION and LOCATION values of every component, unescaped."""
    from icalendar import Calendar

    calendar = Calendar.from_ical(data)
    texts = []
    for component in calendar.walk():
        for name in ("SUMMARY", "DESCRIPTION", "LOCATION"):
            if name in component:
                texts.append(str(component[name]))
    return texts
