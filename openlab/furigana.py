"""Furigana: readings above kanji as <ruby> markup, generated on the server.

`ruby_html(text)` escapes `text` and wraps each run of kanji in
``<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>``; okurigana stay outside
the ruby (食べ物 → 食(た)べ物(もの)), kana-only words get none. Readings are chosen
in context, word by word (search.japanese.reading_tokens: Sudachi's reading form,
with the city's names from its override table), never character by character.
The result is safe HTML.
"""

import re
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import mark_safe

from search.japanese import katakana_to_hiragana, reading_tokens

KANJI = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f々〆ヶ"
_KANJI_RUN = re.compile(f"([{KANJI}]+)")
_HAS_KANJI = re.compile(f"[{KANJI}]")
MAX_CHARS = 5000


def _ruby(base, reading):
    return f"<ruby>{escape(base)}<rp>(</rp><rt>{escape(reading)}</rt><rp>)</rp></ruby>"


def _token_html(surface, reading):
    """One word: each kanji run gets its share of the reading, kana between them stays plain."""
    if not _HAS_KANJI.search(surface) or not reading or reading == surface:
        return escape(surface)
    parts = _KANJI_RUN.split(surface)  # [kana, kanji, kana, kanji, ..., kana]
    pattern = "".join(
        "(.+?)" if index % 2 else re.escape(katakana_to_hiragana(part))
        for index, part in enumerate(parts)
    )
    match = re.fullmatch(pattern, reading)
    if not match:
        return _ruby(surface, reading)
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
    return "".join(_token_html(surface, reading) for surface, reading in reading_tokens(line))


def ruby_html(text):
    """`text` escaped, with furigana on its kanji (newlines kept as newlines)."""
    text = "" if text is None else str(text)
    if len(text) > MAX_CHARS:
        head, tail = text[:MAX_CHARS], text[MAX_CHARS:]
        return mark_safe(ruby_html(head) + escape(tail))  # noqa: S308 - escaped pieces
    html = "\n".join(_line_html(line) for line in text.split("\n"))
    return mark_safe(html)  # noqa: S308 - every piece was escaped
