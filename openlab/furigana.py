"""Furigana: readings above kanji as <ruby> markup, generated on the server (pykakasi).

`ruby_html(text)` escapes `text` and wraps each run of kanji in
``<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>``; okurigana stay outside
the ruby (食べ物 → 食(た)べ物(もの)). The result is safe HTML.
"""

import re
import threading
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import mark_safe

KANJI = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ"
_KANJI_RUN = re.compile(f"([{KANJI}]+)")
_HAS_KANJI = re.compile(f"[{KANJI}]")
_local = threading.local()
MAX_CHARS = 5000


def _kakasi():
    converter = getattr(_local, "kakasi", None)
    if converter is None:
        import pykakasi

        converter = _local.kakasi = pykakasi.kakasi()
    return converter


def _ruby(base, reading):
    return f"<ruby>{escape(base)}<rp>(</rp><rt>{escape(reading)}</rt><rp>)</rp></ruby>"


def _token_html(orig, hira):
    """One pykakasi token: kanji runs get ruby, kana between them stays plain."""
    if not _HAS_KANJI.search(orig) or not hira or hira == orig:
        return escape(orig)
    parts = _KANJI_RUN.split(orig)  # [kana, kanji, kana, kanji, ..., kana]
    pattern = "".join("(.+?)" if index % 2 else re.escape(part) for index, part in enumerate(parts))
    match = re.fullmatch(pattern, hira)
    if not match:
        return _ruby(orig, hira)
    readings = iter(match.groups())
    return "".join(
        _ruby(part, next(readings)) if index % 2 else escape(part)
        for index, part in enumerate(parts)
        if part or index % 2
    )


@lru_cache(maxsize=2048)
def _line_html(line):
    if not _HAS_KANJI.search(line):
        return escape(line)
    return "".join(_token_html(item["orig"], item["hira"]) for item in _kakasi().convert(line))


def ruby_html(text):
    """`text` escaped, with furigana on its kanji (newlines kept as newlines)."""
    text = "" if text is None else str(text)
    if len(text) > MAX_CHARS:
        head, tail = text[:MAX_CHARS], text[MAX_CHARS:]
        return mark_safe(ruby_html(head) + escape(tail))  # noqa: S308 - escaped pieces
    html = "\n".join(_line_html(line) for line in text.split("\n"))
    return mark_safe(html)  # noqa: S308 - every piece was escaped
