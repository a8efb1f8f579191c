"""The 17 Sustainable Development Goals and their 169 targets, as reference data.

Names are the official short names (Japanese: 外務省 / 国連広報センター), colours
the UN's official palette. Every content type tags goals, and optionally
targets, from here; the Goal and Target tables are filled from this module.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Goal:
    number: int
    name_ja: str
    name_en: str
    colour: str

    @property
    def name(self):
        """The short name in the visitor's language (Japanese unless English is active)."""
        return name_in_language(self)

    @property
    def text_colour(self):
        """Black or white, whichever contrasts more with the goal's colour (WCAG)."""
        return "#000000" if _relative_luminance(self.colour) > 0.179 else "#ffffff"

    @property
    def targets(self):
        return TARGETS_BY_GOAL[self.number]


GOALS = (
    Goal(1, "貧困をなくそう", "No poverty", "#E5243B"),
    Goal(2, "飢餓をゼロに", "Zero hunger", "#DDA63A"),
    Goal(3, "すべての人に健康と福祉を", "Good health and well-being", "#4C9F38"),
    Goal(4, "質の高い教育をみんなに", "Quality education", "#C5192D"),
    Goal(5, "ジェンダー平等を実現しよう", "Gender equality", "#FF3A21"),
    Goal(6, "安全な水とトイレを世界中に", "Clean water and sanitation", "#26BDE2"),
    Goal(7, "エネルギーをみんなに そしてクリーンに", "Affordable and clean energy", "#FCC30B"),
    Goal(8, "働きがいも経済成長も", "Decent work and economic growth", "#A21942"),
    Goal(9, "産業と技術革新の基盤をつくろう", "Industry, innovation and infrastructure", "#FD6925"),
    Goal(10, "人や国の不平等をなくそう", "Reduced inequalities", "#DD1367"),
    Goal(11, "住み続けられるまちづくりを", "Sustainable cities and communities", "#FD9D24"),
    Goal(12, "つくる責任 つかう責任", "Responsible consumption and production", "#BF8B2E"),
    Goal(13, "気候変動に具体的な対策を", "Climate action", "#3F7E44"),
    Goal(14, "海の豊かさを守ろう", "Life below water", "#0A97D9"),
    Goal(15, "陸の豊かさも守ろう", "Life on land", "#56C02B"),
    Goal(16, "平和と公正をすべての人に", "Peace, justice and strong institutions", "#00689D"),
    Goal(17, "パートナーシップで目標を達成しよう", "Partnerships for the goals", "#19486A"),
)
GOALS_BY_NUMBER = {goal.number: goal for goal in GOALS}

# (numbered targets, lettered means-of-implementation targets) per goal,
# as adopted in the 2030 Agenda (A/RES/70/1).
_TARGET_SHAPE = {
    1: (5, "ab"),
    2: (5, "abc"),
    3: (9, "abcd"),
    4: (7, "abc"),
    5: (6, "abc"),
    6: (6, "ab"),
    7: (3, "ab"),
    8: (10, "ab"),
    9: (5, "abc"),
    10: (7, "abc"),
    11: (7, "abc"),
    12: (8, "abc"),
    13: (3, "ab"),
    14: (7, "abc"),
    15: (9, "abc"),
    16: (10, "ab"),
    17: (19, ""),
}
TARGETS_BY_GOAL = {
    goal: tuple(f"{goal}.{n}" for n in range(1, numbered + 1))
    + tuple(f"{goal}.{letter}" for letter in letters)
    for goal, (numbered, letters) in _TARGET_SHAPE.items()
}
TARGET_CODES = tuple(code for codes in TARGETS_BY_GOAL.values() for code in codes)
_TARGET_SET = frozenset(TARGET_CODES)
_TARGET_PATTERN = re.compile(r"^(\d{1,2})\.(\d{1,2}|[a-z])$")


def name_in_language(goal):
    from django.utils.translation import get_language

    return goal.name_en if (get_language() or "ja").startswith("en") else goal.name_ja


class SDGError(ValueError):
    """A goal or target that does not exist; the message is for users (Japanese)."""


def get_goal(number):
    """The Goal for `number` (int or digit string), or SDGError."""
    try:
        value = int(str(number).strip())
    except (TypeError, ValueError):
        raise SDGError(f"SDGsの目標番号は1〜17の数字です（「{number}」は使えません）") from None
    if value not in GOALS_BY_NUMBER:
        raise SDGError(f"SDGsの目標は1〜17です（「{number}」はありません）")
    return GOALS_BY_NUMBER[value]


def is_goal_number(value):
    try:
        get_goal(value)
    except SDGError:
        return False
    return True


def parse_goal_numbers(raw, separator=";"):
    """Goal numbers from text such as "4;11;17": sorted, unique; SDGError on any bad item."""
    items = [item.strip() for item in str(raw).split(separator) if item.strip()]
    return sorted({get_goal(item).number for item in items})


def normalise_target(code):
    """A valid target code such as "11.2" or "1.a", or SDGError."""
    text = str(code).strip().lower()
    if not _TARGET_PATTERN.match(text) or text not in _TARGET_SET:
        raise SDGError(f"SDGsのターゲット「{code}」は存在しません（例: 11.2、4.7、1.a）")
    return text


def parse_target_codes(raw, separator=";"):
    """Target codes from text such as "4.7;11.a", in official order; SDGError on any bad item."""
    items = {normalise_target(item) for item in str(raw).split(separator) if item.strip()}
    return [code for code in TARGET_CODES if code in items]


def goal_of_target(code):
    return int(normalise_target(code).split(".")[0])


def _relative_luminance(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def css_rules():
    """The stylesheet rules that colour `.sdg-N` elements (kept in openlab/static/css/site.css)."""
    return "\n".join(
        f".sdg-{goal.number}, a.sdg-{goal.number}, a.sdg-{goal.number}:hover "
        f"{{ background: {goal.colour.lower()}; color: {goal.text_colour}; }}"
        for goal in GOALS
    )


def sync_reference_tables(goal_model, target_model):
    """Fill the Goal and Target tables from this module (idempotent)."""
    for goal in GOALS:
        goal_model.objects.update_or_create(
            number=goal.number,
            defaults={"name_ja": goal.name_ja, "name_en": goal.name_en, "colour": goal.colour},
        )
    for position, code in enumerate(TARGET_CODES):
        target_model.objects.update_or_create(
            code=code, defaults={"goal_id": int(code.split(".")[0]), "position": position}
        )
