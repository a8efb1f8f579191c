"""Japanese text for search: normalisation, segmentation, readings, snippets.

One set of functions serves index time and query time, on both backends:

* ``normalise`` folds width and case (NFKC, lower case) and turns punctuation,
  symbols and control characters into spaces, so 「ＳＤＧｓ」 and 「SDGs」, 「　」
  and " " are the same thing.
* ``runs`` splits normalised text at spaces into runs ("子育て支援", "sdgsの目標").
  A query word matches a document when it is a substring of one of the
  document's runs: that is what a reader expects of Japanese, where a whole
  clause has no spaces. Elasticsearch checks it as a phrase of character
  bigrams (``bigrams``), the database as ``LIKE '%word%'`` on the joined runs;
  both give the same answer.
* ``words`` are SudachiPy's tokens (finest split, mode A, plus mode C) used to
  rank word-aligned matches above mere substrings.
* ``reading`` gives the hiragana reading of text (Sudachi's reading form), so
  「こそだて」 finds 「子育て」 and 「ひがしむらやま」 finds 「東村山」;
  ``katakana_reading`` the same reading as one katakana string, to sort names in
  50音 order (stakeholders/reading.py).
* ``reading_tokens`` gives each word of a text with its reading in context, the
  city's names (``NAME_READINGS``) first; furigana (openlab/furigana.py) use it.
"""

import functools
import html
import re
import threading
import unicodedata

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 10
MAX_WORD_CHARS = 50

_KANA_ONLY = re.compile(r"^[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc\u30fd\u30fe]+$")
_KATAKANA = re.compile(r"[\u30a1-\u30f6]")
_HIRAGANA = re.compile(r"[\u3041-\u3096]")


# Letters (including the long-vowel mark ー) and digits stay; punctuation, symbols,
# spaces, the underscore and control characters split runs.
_SEPARATOR = re.compile(r"[\W_]+")


def normalise(text):
    """NFKC, lower case, every run of non-letters/non-digits as one space; stripped."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return _SEPARATOR.sub(" ", text).strip()


def runs(text):
    """Normalised runs of text (the units a query word must fall inside)."""
    return normalise(text).split()


def bigrams(run):
    """Character bigrams of one run, in order ("子育て" -> "子育 育て")."""
    return [run[i : i + 2] for i in range(len(run) - 1)]


def unigrams(run):
    return list(run)


def katakana_to_hiragana(text):
    return _KATAKANA.sub(lambda m: chr(ord(m.group(0)) - 0x60), text)


def hiragana_to_katakana(text):
    return _HIRAGANA.sub(lambda m: chr(ord(m.group(0)) + 0x60), text)


def is_kana(word):
    return bool(_KANA_ONLY.match(word))


@functools.lru_cache(maxsize=1)
def _dictionary():
    from sudachipy import Dictionary

    return Dictionary(dict="core")


_local = threading.local()


def _tokenizer():
    """This thread's tokenizer over the one shared dictionary: a Sudachi Tokenizer
    refuses to be used by two threads at once ("Tokenizer is already in use")."""
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _local.tokenizer = _dictionary().tokenizer()
    return tokenizer


def _split_modes():
    from sudachipy import SplitMode

    return SplitMode.A, SplitMode.C


# Sudachi refuses inputs over ~49,000 bytes; runs are far shorter, but cap anyway.
_MAX_SUDACHI_CHARS = 4000


def _tokens(run, mode):
    return _tokenizer().tokenize(run[:_MAX_SUDACHI_CHARS], mode)


# The city's names, read as the city reads them. Sudachi's dictionary has several
# wrong (八国山 → ヤクニ+サン, 全生園 → ゼンショウ+エン, 久米川 → クメカワ, 多摩湖町 → タマ+コマチ).
# A small override table applied before tokenising (longest match on the surface)
# rather than a compiled Sudachi user dictionary: nothing to build at install time.
# A space marks the words of a name, each read (and given its ruby) on its own.
_NAME_WORDS = {
    "本町": "ほんちょう",
    "久米川町": "くめがわちょう",
    "久米川": "くめがわ",
    "秋津町": "あきつちょう",
    "恩多町": "おんたちょう",
    "萩山町": "はぎやまちょう",
    "栄町": "さかえちょう",
    "富士見町": "ふじみちょう",
    "美住町": "みすみちょう",
    "廻田町": "めぐりたちょう",
    "多摩湖町": "たまこちょう",
    "野口町": "のぐちちょう",
    "諏訪町": "すわちょう",
    "青葉町": "あおばちょう",
    "八国山": "はちこくやま",
    "正福寺": "しょうふくじ",
    "全生園": "ぜんしょうえん",
    "北山 公園": "きたやま こうえん",
    "東村山": "ひがしむらやま",
    "そらいち": "そらいち",
}
NAME_WORDS = {
    name.replace(" ", ""): list(zip(name.split(), reading.split(), strict=True))
    for name, reading in _NAME_WORDS.items()
}
NAME_READINGS = {name: "".join(r for _, r in parts) for name, parts in NAME_WORDS.items()}
_NAMES = re.compile(
    "|".join(re.escape(name) for name in sorted(NAME_READINGS, key=len, reverse=True))
)


def reading_tokens(text):
    """(surface, hiragana reading) for each word of `text`, in order, covering it all.

    Names in ``NAME_READINGS`` are taken whole first; the rest is read by Sudachi
    (mode C, the reading form of each token, so 人 is ひと in 「必要な人」 and にん in
    「三人」). A token Sudachi cannot read has its surface as reading."""
    text = str(text or "")
    _, mode_c = _split_modes()
    out = []
    cursor = 0
    for match in [*_NAMES.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[cursor:end]
        while chunk:
            piece, chunk = chunk[:_MAX_SUDACHI_CHARS], chunk[_MAX_SUDACHI_CHARS:]
            for token in _tokenizer().tokenize(piece, mode_c):
                surface = token.surface()
                out.append((surface, katakana_to_hiragana(token.reading_form() or surface)))
        if match:
            out.extend(NAME_WORDS[match.group(0)])
            cursor = match.end()
    return out


def words(text):
    """Distinct Sudachi words of the text (modes A and C), normalised, in order."""
    seen = {}
    mode_a, mode_c = _split_modes()
    for run in runs(text):
        for mode in (mode_a, mode_c):
            for token in _tokens(run, mode):
                surface = normalise(token.surface())
                for part in surface.split():
                    seen.setdefault(part, None)
    return list(seen)


def reading_runs(text):
    """The hiragana reading of each run ("東村山市" -> "ひがしむらやまし")."""
    mode_a, _ = _split_modes()
    out = []
    for run in runs(text):
        parts = []
        for token in _tokens(run, mode_a):
            reading = token.reading_form() or token.surface()
            parts.append(katakana_to_hiragana(normalise(reading).replace(" ", "")))
        joined = "".join(parts)
        if joined:
            out.append(joined)
    return out


def katakana_reading(text):
    """Sudachi's reading of `text` as one katakana string, without spaces or punctuation
    ("東村山市 役所" -> "ヒガシムラヤマシヤクショ"); words it cannot read stay as written,
    Latin letters in upper case."""
    _, mode_c = _split_modes()
    text = unicodedata.normalize("NFKC", str(text or ""))
    parts = []
    for run in _SEPARATOR.split(text):
        if run:
            parts.extend(token.reading_form() or token.surface() for token in _tokens(run, mode_c))
    return hiragana_to_katakana("".join(parts)).upper()


def query_words(query):
    """The words of a user's query: each must appear. Never raises.

    Control characters, quotes, brackets and operators are separators here,
    never syntax; the query is cut to a bounded size.
    """
    query = (query or "")[: MAX_QUERY_CHARS * 4]
    words_ = []
    for word in runs(query[:MAX_QUERY_CHARS]):
        word = word[:MAX_WORD_CHARS]
        if word not in words_:
            words_.append(word)
    return words_[:MAX_QUERY_WORDS]


def reading_of_query_word(word):
    """The hiragana form a kana-only query word is matched against readings with."""
    return katakana_to_hiragana(word) if is_kana(word) else None


# --- snippets -------------------------------------------------------------------------


def _fold_with_map(text):
    """Fold `text` like `normalise` does (width, case; separators kept as themselves),
    returning the folded string and, for each folded character, its index in `text`."""
    folded, index = [], []
    for i, char in enumerate(text):
        for out in unicodedata.normalize("NFKC", char).lower():
            folded.append(out)
            index.append(i)
    return "".join(folded), index


def highlight(text, query_words_, length=120):
    """An HTML snippet of `text` around the first match, matches in <mark>.

    Everything is escaped; <mark> is the only markup produced.
    """
    text = " ".join((text or "").split())
    if not text:
        return ""
    folded, index = _fold_with_map(text)
    spans = []
    for word in query_words_:
        if not word:
            continue
        start = folded.find(word)
        while start != -1:
            end = start + len(word)
            spans.append((index[start], index[end - 1] + 1))
            start = folded.find(word, end)
    spans.sort()
    merged = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))

    window_start = 0
    if merged:
        window_start = max(0, merged[0][0] - length // 3)
    window_end = min(len(text), window_start + length)
    out = ["…" if window_start > 0 else ""]
    cursor = window_start
    for start, end in merged:
        if end <= window_start or start >= window_end:
            continue
        start, end = max(start, window_start), min(end, window_end)
        out.append(html.escape(text[cursor:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        cursor = end
    out.append(html.escape(text[cursor:window_end]))
    if window_end < len(text):
        out.append("…")
    return "".join(out)


def admin_search_terms(texts, suffix_length=24):
    """Text for Wagtail's admin search (its database backend splits only at spaces
    and matches the last query term as a prefix): every suffix of every run of the
    short fields, so a prefix match is a substring match, plus their readings and
    the Sudachi words of the long fields."""
    short, long_ = texts
    terms = {}
    for text in short:
        for run in [*runs(text), *reading_runs(text)]:
            for i in range(len(run)):
                terms.setdefault(run[i : i + suffix_length], None)
    for text in long_:
        for word in words(text):
            terms.setdefault(word, None)
        for run in reading_runs(text):
            terms.setdefault(run[:suffix_length], None)
    return " ".join(terms)
