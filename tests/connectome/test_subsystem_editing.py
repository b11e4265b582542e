"""Rule files written back, edits to rules, groups made from selections and selectors, citation links."""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainview.connectome.selectors import SelectorError
from brainview.connectome.subsystem_files import check_fits, format_rules, load_rules, write_rules
from brainview.connectome.subsystem_making import blank_rules, new_group, rule_for_rows, rule_for_selector
from brainview.connectome.subsystems import (
    RULE_COLUMNS, Rule, RuleFileError, SubsystemGroup, SubsystemRules, apply_subsystems, citation_link, classify,
    empty_groups, rules_fit, rules_for,
)
from brainview.errors import ParameterError


@functools.cache
def _worm():
    import brainview

    return brainview.load_default()


@pytest.mark.parametrize("dataset", ["celegans", "flywire"])
def test_shipped_rules_written_back_read_as_the_same_rules(tmp_path, dataset):
    rules = rules_for(dataset)
    path = write_rules(rules, tmp_path / "nested" / "copy.toml")
    again = load_rules(path)
    assert again == replace(rules, source=str(path))
    assert format_rules(again) == path.read_text(encoding="utf-8")


def test_id_rules_match_source_ids_and_round_trip(tmp_path, connectome_factory):
    cells = connectome_factory(6)  # ids 1000, 1010, ..., 1050
    group = SubsystemGroup("picked", "#123456", "two cells", (), (Rule((("id", (1010, 1040)),)),))
    rules = SubsystemRules("t", (group,), "other", "#999999")
    assert classify(cells, rules).to_strings().tolist() == ["other", "picked", "other", "other", "picked", "other"]
    path = write_rules(rules, tmp_path / "ids.toml")
    assert "{ id = [1010, 1040] }" in path.read_text(encoding="utf-8")
    assert load_rules(path) == replace(rules, source=str(path))


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).map(str.strip).filter(bool)
_LABELS = st.from_regex(r"[A-Za-z0-9_\-]{1,12}", fullmatch=True)
_COLOURS = st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)
_RULES = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(RULE_COLUMNS), st.lists(_TEXT, min_size=1, max_size=3).map(tuple)),
        st.tuples(st.just("id"), st.lists(st.integers(-2**63, 2**63 - 1), min_size=1, max_size=3).map(tuple)),
    ),
    min_size=1, max_size=3, unique_by=lambda criterion: criterion[0],
).map(lambda criteria: Rule(tuple(criteria)))


@st.composite
def _rule_sets(draw):
    labels = draw(st.lists(_LABELS, min_size=2, max_size=4, unique=True))
    groups = tuple(
        SubsystemGroup(label, draw(_COLOURS), draw(_TEXT), tuple(draw(st.lists(_TEXT, max_size=2))),
                       tuple(draw(st.lists(_RULES, min_size=1, max_size=2))))
        for label in labels[1:]
    )
    return SubsystemRules(draw(st.text(max_size=20)), groups, labels[0], draw(_COLOURS), draw(_TEXT))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rules=_rule_sets())
def test_any_rules_written_read_back_the_same(tmp_path, rules):
    path = write_rules(rules, tmp_path / "round.toml")
    assert load_rules(path) == replace(rules, source=str(path))


def test_edits_return_new_rules_and_check_their_values():
    rules = rules_for("celegans")
    renamed = rules.edited("steering", new_label="drives", colour="#ABCDEF")
    assert renamed.labels[1] == "drives" and renamed.colours["drives"] == "#abcdef" and renamed.source == ""
    assert rules.labels[1] == "steering"  # the old value is unchanged: undo keeps it
    assert renamed.group("drives").rules == rules.group("steering").rules
    moved = rules.moved("motor", -10)
    assert moved.labels[0] == "motor" and set(moved.labels) == set(rules.labels)
    assert rules.moved("motor", 0) == replace(rules, source="")
    gone = rules.without("learning")
    assert "learning" not in gone.labels and len(gone.groups) == len(rules.groups) - 1
    extra = new_group("mine", "#010203", Rule((("cell_type", ("AVA",)),)), "why")
    assert rules.with_group(extra, 0).labels[0] == "mine" and rules.with_group(extra).labels[-2] == "mine"
    for bad in (lambda: rules.edited("steering", new_label="motor"), lambda: rules.edited("steering", colour="red"),
                lambda: rules.with_group(replace(extra, label="other")), lambda: rules.edited("x", colour="#000000"),
                lambda: new_group("a b", "#000000", extra.rules[0], "why"), lambda: new_group("a", "#000000",
                                                                                           extra.rules[0], " ")):
        with pytest.raises((ParameterError, KeyError)):
            bad()


def test_moving_a_group_changes_which_cells_it_claims():
    worm = _worm()
    rules = rules_for("celegans")
    mine = new_group("touch", "#ff00ff", rule_for_selector(worm, "type:AVA,ALM"), "touch circuit")
    last = apply_subsystems(worm, rules.with_group(mine))
    first = apply_subsystems(worm, rules.with_group(mine, 0))
    # AVA is claimed by "steering" before a last group gets it; first, the group takes both.
    assert set(last.strings("subsystem")[worm.select(cell_type="AVA")]) == {"steering"}
    assert set(first.strings("subsystem")[worm.select(cell_type=["AVA", "ALM"])]) == {"touch"}
    assert set(last.strings("subsystem")[worm.select(cell_type="ALM")]) == {"sensory"}


def test_a_group_from_a_selection_matches_exactly_those_cells(connectome_factory):
    worm = _worm()
    rows = np.array([5, 17, 200])
    rule = rule_for_rows(worm, rows)
    assert rule.criteria[0][0] == "name"  # the worm's names are unique: readable rules
    assert np.flatnonzero(rule.mask(worm)).tolist() == rows.tolist()
    fly_like = connectome_factory(4, name=["KC", "KC", "MBON", ""])  # repeated and missing names
    for picked, column in (([0], "id"), ([2, 3], "id"), ([1, 2], "id"), ([2], "name")):
        rule = rule_for_rows(fly_like, picked)
        assert rule.criteria[0][0] == column
        assert np.flatnonzero(rule.mask(fly_like)).tolist() == picked
    assert rule_for_rows(fly_like, [0]).criteria == (("id", (1000,)),)
    with pytest.raises(ParameterError):
        rule_for_rows(worm, [])


def test_a_group_from_a_selector_keeps_its_test():
    worm = _worm()
    assert rule_for_selector(worm, "type:AVA,AVB").criteria == (("cell_type", ("AVA", "AVB")),)
    assert rule_for_selector(worm, "AVAL,AVAR").criteria == (("name", ("AVAL", "AVAR")),)
    assert rule_for_selector(worm, "name:AVA*").mask(worm).sum() == 2
    assert rule_for_selector(worm, "id:3,4").criteria == (("id", (3, 4)),)
    learning = rule_for_selector(worm, "subsystem:learning")  # the rules' own output: the cells of now
    assert np.array_equal(np.flatnonzero(learning.mask(worm)), worm.select(subsystem="learning"))
    with pytest.raises(SelectorError):
        rule_for_selector(worm, "type:NOSUCH")


def test_own_rules_that_match_nothing_name_the_file_line_and_group(tmp_path):
    worm = _worm()
    rules = rules_for("celegans").with_group(new_group("ghosts", "#000000", Rule((("cell_type", ("XYZ",)),)), "none"))
    path = write_rules(rules, tmp_path / "own.toml")
    own = load_rules(path)
    assert empty_groups(worm, own) == ("ghosts",) and rules_fit(worm, own)
    with pytest.raises(RuleFileError, match="matches no cell") as caught:
        check_fits(worm, own)
    text = path.read_text(encoding="utf-8").splitlines()
    assert caught.value.group == "ghosts" and caught.value.key == "rules"
    assert text[caught.value.line - 1].startswith("rules") and 'label = "ghosts"' in text[caught.value.line - 5]
    check_fits(worm, rules_for("celegans"))
    assert not rules_fit(worm, rules_for("flywire"))  # the fly's rules fit no worm cell
    blank = blank_rules()
    assert blank.labels == ("other",) and not rules_fit(worm, blank)


@pytest.mark.parametrize("citation, link", [
    ("Chase DL, Koelle MR (2007) Biogenic amines. WormBook, doi:10.1895/wormbook.1.132.1.",
     "https://doi.org/10.1895/wormbook.1.132.1"),
    ("Someone (2020) A paper. J 1:1-2. doi: 10.1038/s41586-024-07558-y", "https://doi.org/10.1038/s41586-024-07558-y"),
    ("A paper, https://doi.org/10.7554/eLife.19887", "https://doi.org/10.7554/eLife.19887"),
    ("Byrnes S (2022) Brain-like AGI. https://www.alignmentforum.org/posts/x/y", "https://www.alignmentforum.org/posts/x/y"),
    ("White JG et al. (1986) Phil Trans R Soc Lond B 314:1-340.", None),
    ("", None),
])
def test_citation_links(citation, link):
    assert citation_link(citation) == link


def test_every_shipped_citation_with_a_doi_gets_a_link():
    for dataset in ("celegans", "flywire"):
        for group in rules_for(dataset).groups:
            for citation in group.citations:
                if citation.rstrip(". ").split()[-1].lower().startswith(("doi:", "https://")):
                    assert citation_link(citation), citation
