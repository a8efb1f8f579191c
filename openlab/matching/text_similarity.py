"""Text similarity of descriptions: TF-IDF over Japanese tokens from Sudachi.

This is the path that always works (no service needed). Vectors are sparse dicts
``{token: weight}`` normalised to unit length, so the cosine of two vectors is
their dot product over the shared tokens.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from functools import lru_cache

# Sudachi parts of speech kept: content nouns; numbers, pronouns and suffixes are noise.
_KEEP_POS = {"名詞"}
_DROP_SUBPOS = {"数詞", "代名詞", "助数詞", "接尾"}
# Words every stakeholder uses: they say nothing about what a pair shares.
STOP_WORDS = frozenset(
    [
        "東村山",
        "東村山市",
        "市",
        "市内",
        "地域",
        "活動",
        "取り組み",
        "取組",
        "こと",
        "もの",
        "ため",
        "よう",
        "方",
        "人",
        "皆さん",
        "私たち",
        "協力",
        "連携",
        "支援",
        "課題",
        "団体",
        "町",
        "さん",
        "会",
        "年",
        "月",
        "日",
        "回",
        "毎月",
        "毎週",
        "ほか",
        "中",
        "以上",
        "各",
        "等",
    ]  # noqa: SIM905
)
MAX_TERMS_PER_VECTOR = 40
_local = threading.local()


def _tokenizer():
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import Dictionary

        tokenizer = Dictionary(dict="core").tokenizer()
        _local.tokenizer = tokenizer
    return tokenizer


@lru_cache(maxsize=1)
def _split_mode():
    from sudachipy import SplitMode

    # Mode B: compounds split into meaningful units (子ども食堂 -> 子ども / 食堂)
    # without splitting into single characters.
    return SplitMode.B


def tokenize(text: str) -> list[str]:
    """Content-word tokens (normalised forms) of a Japanese text."""
    if not text:
        return []
    tokens = []
    tokenizer = _tokenizer()
    mode = _split_mode()
    # Sudachi refuses very long inputs; descriptions are split on sentence ends.
    for chunk in re.split(r"(?<=[。！？\n])", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        for morpheme in tokenizer.tokenize(chunk[:4000], mode):
            pos = morpheme.part_of_speech()
            if pos[0] not in _KEEP_POS or pos[1] in _DROP_SUBPOS or pos[2] in _DROP_SUBPOS:
                continue
            word = morpheme.normalized_form()
            if len(word) < 2 and not _is_kanji(word):
                continue
            if word in STOP_WORDS:
                continue
            tokens.append(word)
    return tokens


def _is_kanji(word):
    return bool(word) and all("\u4e00" <= ch <= "\u9fff" for ch in word)


class TfIdf:
    """Document frequencies over a corpus of token lists, and unit vectors from them."""

    def __init__(self, documents: list[list[str]]):
        self.size = len(documents)
        df = Counter()
        for tokens in documents:
            df.update(set(tokens))
        self.idf = {
            word: math.log((1 + self.size) / (1 + count)) + 1.0 for word, count in df.items()
        }

    def vector(self, tokens: list[str]) -> dict[str, float]:
        if not tokens:
            return {}
        counts = Counter(tokens)
        default_idf = math.log(1 + self.size) + 1.0
        weights = {
            word: (1.0 + math.log(count)) * self.idf.get(word, default_idf)
            for word, count in counts.items()
        }
        if len(weights) > MAX_TERMS_PER_VECTOR:
            top = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
            weights = dict(top[:MAX_TERMS_PER_VECTOR])
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {word: w / norm for word, w in weights.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b[word] for word, weight in a.items() if word in b)


def shared_words(a: dict[str, float], b: dict[str, float], limit=3) -> list[str]:
    """The shared tokens that contribute most to the cosine, best first."""
    shared = [(a[word] * b[word], word) for word in a.keys() & b.keys()]
    shared.sort(key=lambda item: (-item[0], item[1]))
    return [word for _, word in shared[:limit]]
