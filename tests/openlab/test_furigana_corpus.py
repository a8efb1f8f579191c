"""Furigana readings against a corpus of sentences about life in the city (issue 20).

Each row of furigana_corpus.tsv is a sentence, a word in it (「店#2」: the second 店,
when the first is inside another word) and the word's right reading (hiragana,
okurigana included). The word's reading as rendered is its
characters with every <ruby> base replaced by its <rt>; a ruby that reaches outside
the word counts as wrong.
"""

import html
import re
from pathlib import Path

from openlab.furigana import ruby_html
from search.japanese import NAME_READINGS, katakana_to_hiragana

CORPUS = Path(__file__).with_name("furigana_corpus.tsv")
_SEGMENT = re.compile(r"<ruby>(.*?)<rp>\(</rp><rt>(.*?)</rt><rp>\)</rp></ruby>|([^<]+)")


def corpus():
    rows = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            sentence, word, reading = line.split("\t")
            word, _, nth = word.partition("#")
            rows.append((sentence, word, int(nth or 1), reading))
    return rows


def segments(rendered):
    """[(text, reading or None)] of the rendered HTML, unescaped."""
    out = []
    for match in _SEGMENT.finditer(rendered):
        base, reading, plain = match.groups()
        if plain is not None:
            out.extend((char, None) for char in html.unescape(plain))
        else:
            out.append((html.unescape(base), html.unescape(reading)))
    return out


def rendered_reading(sentence, word, nth=1):
    """The reading the page shows for the `nth` `word` in `sentence`, or None if a ruby
    crosses its edge."""
    parts = segments(ruby_html(sentence))
    assert "".join(text for text, _ in parts) == sentence
    start = -1
    for _ in range(nth):
        start = sentence.index(word, start + 1)
    end = start + len(word)
    position, reading = 0, []
    for text, ruby in parts:
        after = position + len(text)
        if after > start and position < end:
            if ruby is not None and (position < start or after > end):
                return None
            reading.append(ruby if ruby is not None else text)
        position = after
    return katakana_to_hiragana("".join(reading))


def test_corpus_is_big_enough_and_names_every_place():
    rows = corpus()
    assert len(rows) >= 200
    words = {word for _, word, _, _ in rows}
    for name, reading in NAME_READINGS.items():
        if name != reading:  # そらいち is kana: no ruby to check
            assert name in words, name


def test_at_least_98_percent_of_readings_are_right_and_every_place_name():
    rows = corpus()
    wrong = [
        (sentence, word, expected, got)
        for sentence, word, nth, expected in rows
        if (got := rendered_reading(sentence, word, nth)) != expected
    ]
    wrong_names = [row for row in wrong if row[1] in NAME_READINGS]
    assert not wrong_names, wrong_names
    right = 1 - len(wrong) / len(rows)
    assert right >= 0.98, (f"{right:.1%} right", wrong)


def test_kana_words_get_no_ruby():
    assert ruby_html("そらいちで、ごみひろい") == "そらいちで、ごみひろい"
