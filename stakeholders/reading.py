"""The reading (よみ) stakeholders are sorted by: 50音 order, as Japanese directories do.

The rule, in one place:

1. The legal form is left out: 「株式会社みどり」, 「みどり株式会社」 and 「(株)みどり」 all
   sort as 「みどり」 (under ミ), as do 一般社団法人, NPO法人 and the other forms in
   ``LEGAL_FORMS``, written before or after the name, in full or abbreviated
   (「(株)」, 「㈱」, 「(一社)」...).
2. What is left is read by Sudachi (the dictionary the search already uses) and
   stored in katakana without spaces or punctuation: 「東村山市役所」 →
   「ヒガシムラヤマシヤクショ」, 「SDGsカフェ」 → 「エスディージーズカフェ」.
   Latin words Sudachi does not know stay as written and so sort before the kana.
3. Names with the same reading sort by their written name.

The reading is computed whenever the page's (live) title is saved; a dictionary
reading can be wrong for a proper name (久米川 is read クメカワ, not クメガワ), which
moves a name a few places at most.
"""

import re
import unicodedata

# Longest first, so 「認定特定非営利活動法人」 is taken whole, not as 「特定非営利活動法人」.
LEGAL_FORMS = sorted(
    [
        "株式会社",
        "有限会社",
        "合同会社",
        "合資会社",
        "合名会社",
        "一般社団法人",
        "公益社団法人",
        "一般財団法人",
        "公益財団法人",
        "特定非営利活動法人",
        "認定特定非営利活動法人",
        "NPO法人",
        "認定NPO法人",
        "社会福祉法人",
        "学校法人",
        "医療法人社団",
        "医療法人財団",
        "医療法人",
        "宗教法人",
        "独立行政法人",
        "国立大学法人",
        "公立大学法人",
        # Abbreviations, as written after NFKC (「㈱」 and 「（株）」 become 「(株)」).
        "(株)",
        "(有)",
        "(同)",
        "(一社)",
        "(公社)",
        "(一財)",
        "(公財)",
        "(特非)",
        "(社福)",
        "(学)",
        "(医)",
    ],
    key=len,
    reverse=True,
)
_FORMS = "|".join(re.escape(form) for form in LEGAL_FORMS)
_LEADING = re.compile(rf"^(?:{_FORMS})\s*")
_TRAILING = re.compile(rf"\s*(?:{_FORMS})$")

MAX_LENGTH = 255


def without_legal_form(name):
    """The name without a legal-form prefix or suffix (the name itself if nothing is left)."""
    name = unicodedata.normalize("NFKC", name or "").strip()
    stripped = _TRAILING.sub("", _LEADING.sub("", name)).strip()
    return stripped or name


def name_reading(name):
    """The katakana reading a stakeholder called `name` is sorted by."""
    from search.japanese import katakana_reading

    return katakana_reading(without_legal_form(name))[:MAX_LENGTH]
