"""Reasons in plain Japanese, told from the reader's side.

A stored reason speaks of sides "a" and "b"; the partner on side "a" reads
「あなた」 for a and 「先方」 for b, the other side the reverse, and a facilitator
reads the names.
"""

from django.utils.translation import gettext as _

from stakeholders.models import StakeholderKind


def _join_numbers(values):
    return "・".join(str(value) for value in values)


class Voice:
    """Who "a" and "b" are for the reader: viewer_side is "a", "b" or None (facilitator)."""

    def __init__(self, viewer_side, name_a, name_b, project_title=""):
        self.viewer_side = viewer_side
        self.names = {"a": name_a, "b": name_b}
        self.project_title = project_title

    def whose(self, side):
        if self.viewer_side == side:
            return _("あなた")
        if self.viewer_side is None:
            return self.names[side]
        return _("先方")

    def whose_need(self, side):
        """Who needs something: side a of a project proposal is the project."""
        if side == "a" and self.project_title:
            return _("プロジェクト「%(title)s」") % {"title": self.project_title}
        return self.whose(side)


def render(reason, voice):
    code = reason.get("code")
    other = {"a": "b", "b": "a"}
    if code == "offer":
        giver = reason["giver"]
        return _("%(giver)sの『%(term)s』が、%(receiver)sの求める『%(term)s』に合います") % {
            "giver": voice.whose(giver),
            "receiver": voice.whose_need(other[giver]),
            "term": reason["term"],
        }
    if code == "offer_text_need":
        giver = reason["giver"]
        return _(
            "%(giver)sの『%(term)s』が、%(receiver)sの紹介文にある「%(snippet)s」に合います"
        ) % {
            "giver": voice.whose(giver),
            "receiver": voice.whose_need(other[giver]),
            "term": reason["term"],
            "snippet": reason["snippet"],
        }
    if code == "text_offer_need":
        giver = reason["giver"]
        return _(
            "%(giver)sの紹介文にある「%(snippet)s」が、%(receiver)sの求める『%(term)s』に合います"
        ) % {
            "giver": voice.whose(giver),
            "receiver": voice.whose_need(other[giver]),
            "term": reason["term"],
            "snippet": reason["snippet"],
        }
    if code == "mutual":
        return _("おたがいに相手の求めるものを提供できる、双方向の組み合わせです")
    if code == "targets":
        return _("ともにターゲット%(targets)sに取り組んでいます") % {
            "targets": _join_numbers(reason["targets"])
        }
    if code == "goals":
        return _("ともに目標%(goals)sに取り組んでいます") % {
            "goals": _join_numbers(reason["goals"])
        }
    if code == "text":
        words = "・".join(reason.get("words") or [])
        if words:
            return _("紹介文の内容が近いです（共通することば：%(words)s）") % {"words": words}
        return _("紹介文の内容が近いです")
    if code == "town":
        return _("同じ町（%(towns)s）で活動しています") % {"towns": "・".join(reason["towns"])}
    if code == "sector":
        labels = dict(StakeholderKind.choices)
        kinds = [str(labels.get(kind, kind)) for kind in reason["kinds"]]
        return _("%(first)sと%(second)sという、立場の違う組み合わせです") % {
            "first": kinds[0],
            "second": kinds[1],
        }
    if code == "facilitator":
        return _("ファシリテーターからの提案です")
    return ""


def render_all(reasons, voice):
    return [text for text in (render(reason, voice) for reason in reasons) if text]
