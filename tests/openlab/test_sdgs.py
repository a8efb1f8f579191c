from pathlib import Path

import pytest

from openlab import sdgs


def test_seventeen_goals_with_names_and_official_colours():
    assert [goal.number for goal in sdgs.GOALS] == list(range(1, 18))
    assert sdgs.get_goal(11).name_ja == "住み続けられるまちづくりを"
    assert sdgs.get_goal("17").name_en == "Partnerships for the goals"
    assert sdgs.get_goal(1).colour == "#E5243B"
    assert sdgs.get_goal(14).colour == "#0A97D9"


def test_169_official_targets_including_lettered_ones():
    assert len(sdgs.TARGET_CODES) == 169
    assert "1.a" in sdgs.TARGET_CODES and "1.b" in sdgs.TARGET_CODES
    assert "17.19" in sdgs.TARGET_CODES and "17.a" not in sdgs.TARGET_CODES
    assert sdgs.TARGETS_BY_GOAL[8][-3:] == ("8.10", "8.a", "8.b")
    assert len(sdgs.TARGETS_BY_GOAL[3]) == 13


@pytest.mark.parametrize("bad", ["0", "18", "abc", "", "4.5", None])
def test_unknown_goals_are_refused_in_japanese(bad):
    with pytest.raises(sdgs.SDGError, match="SDGsの目標"):
        sdgs.get_goal(bad)


def test_goal_lists_parse_and_refuse_junk():
    assert sdgs.parse_goal_numbers("17; 4;11;4") == [4, 11, 17]
    with pytest.raises(sdgs.SDGError, match="18"):
        sdgs.parse_goal_numbers("4;18")


@pytest.mark.parametrize("code", ["4.z", "1.c", "17.20", "11", "x.1", "4.7.1"])
def test_malformed_or_unknown_targets_are_refused(code):
    with pytest.raises(sdgs.SDGError, match="ターゲット"):
        sdgs.normalise_target(code)


def test_targets_are_normalised_and_ordered():
    assert sdgs.parse_target_codes("11.A; 4.7;1.1") == ["1.1", "4.7", "11.a"]
    assert sdgs.goal_of_target("11.a") == 11


def test_badge_text_colour_meets_wcag_aa_contrast():
    def contrast(a, b):
        la, lb = sdgs._relative_luminance(a), sdgs._relative_luminance(b)
        return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)

    for goal in sdgs.GOALS:
        assert contrast(goal.colour, goal.text_colour) >= 4.5, goal


def test_stylesheet_colours_match_the_reference_data():
    css = (Path(__file__).parents[2] / "openlab/static/css/site.css").read_text()
    assert sdgs.css_rules() in css


@pytest.mark.django_db
def test_goal_and_target_tables_mirror_the_module():
    from openlab.models import Goal, Target

    assert list(Goal.objects.values_list("number", flat=True)) == list(range(1, 18))
    assert list(Target.objects.values_list("code", flat=True)) == list(sdgs.TARGET_CODES)
    assert Target.objects.get(code="12.3").goal_id == 12
