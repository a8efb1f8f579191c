"""How close a proposed pair is, in words: the one place the thresholds live.

Users never see the raw score (「スコア 14.1」 means nothing to a reader); they see
one of three labels and the reasons. The thresholds follow the weights in
:mod:`openlab.matching.scoring`: a pair is proposed from ``MIN_SCORE`` (3, about
one concrete link, such as one side offering what the other needs);

* 「とても近い」 from ``VERY_CLOSE``: several strong links, e.g. each side offers what
  the other needs (3 + 3 + 1 for both ways) and they share goals or a town;
* 「近い」 from ``CLOSE``: two links, e.g. an offer that meets a need and shared
  SDG targets;
* 「参考」 below: one link, worth a look.

Facilitators' views show the number beside the label.
"""

from django.utils.translation import gettext_lazy as _

VERY_CLOSE = 10.0
CLOSE = 6.0

LABELS = {
    "very_close": _("とても近い"),
    "close": _("近い"),
    "reference": _("参考"),
}


def closeness(score):
    """The key of the label for `score`: "very_close", "close" or "reference"."""
    if score >= VERY_CLOSE:
        return "very_close"
    if score >= CLOSE:
        return "close"
    return "reference"


def closeness_label(score):
    return LABELS[closeness(score)]
