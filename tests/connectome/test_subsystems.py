"""Subsystem rule files: parsing, validation, classification, and the shipped worm and fly rules."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainview.connectome import Connectome, SynapseCSR
from brainview.connectome.subsystems import (
    RULE_COLUMNS,
    RuleFileError,
    apply_subsystems,
    classify,
    load_rules,
    parse_rules,
    rules_for,
)

GROUP = """
[[group]]
label = "{label}"
colour = "{colour}"
rationale = "{rationale}"
citations = ["Someone (2020) A paper. J 1:1-2."]
rules = [{rules}]
"""


def _write_rules(tmp_path, groups, default='default = "other"\ndefault_colour = "#777777"\n'):
    path = tmp_path / "rules.toml"
    path.write_text(default + "".join(GROUP.format(**g) for g in groups), encoding="utf-8")
    return path


def _group(label="a", colour="#112233", rationale="why", rules='{ cell_type = ["T0"] }'):
    return {"label": label, "colour": colour, "rationale": rationale, "rules": rules}


def test_load_rules_reads_groups_in_file_order(tmp_path):
    path = _write_rules(tmp_path, [_group("first", "#AABBCC"), _group("second", rules='{ nt = ["GABA"] }')])
    rules = load_rules(path)
    assert rules.labels == ("first", "second", "other")
    assert rules.colours == {"first": "#aabbcc", "second": "#112233", "other": "#777777"}
    assert rules.group("second").rules[0].criteria == (("nt", ("GABA",)),)
    assert rules.source == str(path)
    with pytest.raises(KeyError, match="first, second"):
        rules.group("third")


@pytest.mark.parametrize(
    "group, line, key, message",
    [
        (_group(rules='{ flavour = ["sweet"] }'), 9, "flavour", "rule 1 names an unknown column"),
        (_group(colour="red"), 6, "colour", "must be a colour written #rrggbb, got 'red'"),
        (_group(colour="#12345"), 6, "colour", "#rrggbb"),
        (_group(rationale=" "), 7, "rationale", "missing or empty"),
        (_group(rules=""), 9, "rules", "must be a non-empty list"),
        (_group(rules="{ cell_type = [] }"), 9, "cell_type", "rule 1: must be a non-empty list of labels"),
        (_group(rules='{ subsystem = ["x"] }'), 9, "subsystem", "unknown column"),
        (_group(rules='{ id = ["x"] }'), 9, "id", "integer ids"),
    ],
)
def test_invalid_groups_are_reported_with_file_line_group_and_key(tmp_path, group, line, key, message):
    path = _write_rules(tmp_path, [group])
    with pytest.raises(RuleFileError, match=message) as caught:
        load_rules(path)
    assert str(caught.value).startswith(f"{path}, line {line}, group 'a', key '{key}': ")
    assert (caught.value.group, caught.value.line, caught.value.key) == ("a", line, key)


def test_a_problem_in_a_later_rule_or_group_names_its_own_line(tmp_path):
    path = tmp_path / "rules.toml"
    text = (_GOOD + '\n[[group]]\nlabel = "b"\ncolour = "#010203"\nrationale = "why"\ncitations = []\n'
            'rules = [\n    { cell_type = ["T1"] },\n    { nt = ["GABA"] }, { flavour = ["x"] },\n]\n')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_rules(path)
    lines = text.splitlines()
    assert "flavour" in lines[caught.value.line - 1] and caught.value.group == "b"
    assert "rule 3 names an unknown column" in str(caught.value)
    path.write_text(text.replace('"#010203"', '"#0102"'), encoding="utf-8")
    with pytest.raises(RuleFileError, match=r", line 13, group 'b', key 'colour'"):
        load_rules(path)


_GOOD = 'default = "other"\ndefault_colour = "#777777"\n' + GROUP.format(**_group())


@pytest.mark.parametrize(
    "text, line, key, message",
    [
        ('colour = "#112233"\n' + _GOOD, 1, "colour", "unknown key; the keys of a rule file are"),
        (_GOOD.replace('rationale = "why"', 'rationale = "why"\nnotes = "x"'), 8, "notes", "unknown key"),
        (_GOOD + GROUP.format(**_group()), 12, "label", "label is used twice"),
        (_GOOD + GROUP.format(**_group("other")), 12, "label", "label is used twice"),
        (_GOOD.replace('default = "other"', 'default = "o t"'), 1, "default", "letters, digits"),
        (_GOOD.replace("citations = [\"Someone (2020) A paper. J 1:1-2.\"]\n", ""), 4, "citations",
         "must be a list of citations"),
        (_GOOD.replace('label = "a"', 'label = 3'), 5, "label", "needs a label"),
    ],
)
def test_file_keys_labels_and_citations_are_checked_with_their_lines(tmp_path, text, line, key, message):
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError, match=message) as caught:
        load_rules(path)
    assert (caught.value.line, caught.value.key) == (line, key)
    assert str(caught.value).startswith(f"{path}, line {line}")


def test_empty_citations_are_allowed_for_groups_made_in_the_app(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(_GOOD.replace('["Someone (2020) A paper. J 1:1-2."]', "[]"), encoding="utf-8")
    assert load_rules(path).groups[0].citations == ()


def test_file_level_problems_name_the_file(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('default = "other"\ndefault_colour = \n', encoding="utf-8")
    with pytest.raises(RuleFileError, match="broken.toml, line 2: not valid TOML") as caught:
        load_rules(broken)
    assert caught.value.line == 2
    with pytest.raises(RuleFileError, match="no \\[\\[group\\]\\] tables"):
        load_rules(_write_rules(tmp_path, []))
    with pytest.raises(RuleFileError, match="key 'default_colour': must be a colour written #rrggbb, it is missing"):
        load_rules(_write_rules(tmp_path, [_group()], default='default = "other"\n'))
    with pytest.raises(RuleFileError, match="missing.toml: cannot be read"):
        load_rules(tmp_path / "missing.toml")


def _cells(connectome_factory) -> Connectome:
    return connectome_factory(
        6,
        cell_type=["AVA", "AVA", "AIY", "ASH", "VA", "DD"],
        name=["AVAL", "AVAR", "AIYL", "ASHL", "VA1", "DD1"],
        side=["left", "right", "left", "left", "none", "none"],
        nt=["ACh", "ACh", "Glu", "Glu", "ACh", "GABA"],
    )


def test_first_matching_group_wins_and_rules_combine(connectome_factory):
    rules = parse_rules({
        "default": "other", "default_colour": "#777777",
        "group": [
            {"label": "escape", "colour": "#ff0000", "rationale": "r", "citations": ["c"],
             "rules": [{"name": ["AVA*"], "side": ["left"]}, {"cell_type": ["DD"]}]},
            {"label": "glu", "colour": "#00ff00", "rationale": "r", "citations": ["c"],
             "rules": [{"nt": "Glu"}, {"cell_type": ["AVA"]}]},
        ],
    })
    labels = classify(_cells(connectome_factory), rules)
    # AVAL: both groups match, the first wins; AVAR fails the side test of rule 1 and falls to
    # "glu" by cell type; DD1 matches rule 2 of "escape"; VA1 matches nothing.
    assert labels.to_strings().tolist() == ["escape", "glu", "glu", "glu", "other", "escape"]
    assert labels.categories == ("escape", "glu", "other")


def test_apply_subsystems_sets_the_column_and_keeps_the_rest(connectome_factory, tmp_path):
    cells = _cells(connectome_factory)
    rules = load_rules(_write_rules(tmp_path, [_group("ava", rules='{ cell_type = ["AVA"] }')]))
    labelled = apply_subsystems(cells, rules)
    assert labelled.strings("subsystem").tolist() == ["ava", "ava", "other", "other", "other", "other"]
    # One's own file is recorded by its path, a shipped rule set by its name (resolve_rules takes both).
    assert labelled.meta["subsystem_rules"] == str(tmp_path / "rules.toml")
    assert apply_subsystems(cells, rules_for("flywire")).meta["subsystem_rules"] == "flywire"
    assert labelled.chemical is cells.chemical and np.array_equal(labelled.names, cells.names)
    assert labelled.select(subsystem="ava").tolist() == [0, 1]


@pytest.mark.parametrize("dataset", ["celegans", "flywire"])
def test_shipped_rule_files_are_complete(dataset):
    rules = rules_for(dataset)
    assert {"steering", "learning", "sensory", "motor"} <= set(rules.labels)
    for group in rules.groups:
        assert len(group.rationale) > 100 and group.citations, group.label
        assert all(column in RULE_COLUMNS for rule in group.rules for column, _ in rule.criteria)
    assert rules.default_rationale


def test_worm_rules_on_the_default_dataset():
    import brainview

    worm = brainview.load_default()
    labels = dict(zip(worm.names, classify(worm, rules_for("celegans")).to_strings()))
    steering = ["CEPDL", "ADEL", "PDEL", "NSML", "ADFL", "HSNL", "RICL", "RIML", "AVAL", "AVDR", "AVEL",
                "PVCL", "AVBR", "VC4", "M1", "I2L", "MCR", "RIS", "ALA", "RID", "DVB"]
    assert {name: labels[name] for name in steering} == dict.fromkeys(steering, "steering")
    assert {labels[n] for n in ("AIYL", "AIZR", "AIBL", "RIAR")} == {"learning"}
    assert {labels[n] for n in ("ASHL", "ALML", "PLMR", "IL1DL", "URXL")} == {"sensory"}
    assert {labels[n] for n in ("VA1", "DD3", "RMDVL", "SMBDL")} == {"motor"}
    non_neurons = worm.select(kind=["muscle", "glia", "end_organ"])
    assert set(worm.strings("subsystem")[non_neurons]) == {"non-neuronal"}


def test_flywire_rules_classify_the_real_annotations(shared_data):
    from brainview.connectome.io.codex import read_codex_annotations

    columns = read_codex_annotations(shared_data / "flywire_v783")
    n = len(columns["id"])
    fly = Connectome(columns, np.zeros((n, 3)), SynapseCSR.empty(n), None, {"name": "FlyWire v783"})
    assert n == 139_255
    rules = rules_for("flywire")
    labels = classify(fly, rules).to_strings()
    counts = {label: int(np.sum(labels == label)) for label in rules.labels}
    print("\nFlyWire v783 neurons per subsystem:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    assert sum(counts.values()) == n

    def labels_of(**criteria):
        return set(labels[fly.select(**criteria)])

    assert fly.select(cell_class="Kenyon_Cell").size > 5_000
    assert labels_of(cell_class="Kenyon_Cell") == {"learning"}
    assert labels_of(cell_class="MBON") == {"learning"}
    assert labels_of(super_class="endocrine") == {"steering"}
    assert labels_of(cell_class="DAN") == {"steering"}
    assert labels_of(cell_class="gustatory") == {"steering"}
    assert labels_of(cell_type="DNp01") == {"steering"}
    assert labels_of(super_class="optic") <= {"visual", "steering"}
    assert labels_of(super_class="motor") == {"motor"}
    assert labels_of(cell_class="olfactory") == {"sensory"}
    assert 80_000 < counts["visual"] < 100_000
    assert 2_000 < counts["steering"] < 10_000
    assert 5_000 < counts["learning"] < 6_000
    assert counts["motor"] > 1_000 and counts["sensory"] > 4_000 and counts["other"] > 10_000


def test_a_rule_file_that_is_not_utf8_names_the_file_and_line(tmp_path):
    broken = tmp_path / "latin1.toml"
    broken.write_bytes('default = "other"\n# caf\xe9\n'.encode("latin-1"))
    with pytest.raises(RuleFileError, match="latin1.toml, line 2: not UTF-8 text"):
        load_rules(broken)


_SHIPPED = (Path(__file__).resolve().parents[2] / "assets" / "subsystems" / "celegans.toml").read_bytes()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(_SHIPPED) - 1), st.integers(0, 40), st.sampled_from(
            [b"", b"[", b"]", b"=", b'"', b"\xff", b"{", b"1", b"[[group]]\n", b"\n", b"rules = []\n"])),
        min_size=1, max_size=4,
    )
)
def test_a_mutated_rule_file_loads_and_applies_or_names_the_file(tmp_path_factory, edits):
    data = bytearray(_SHIPPED)
    for at, length, replacement in edits:
        data[at : at + length] = replacement
    path = tmp_path_factory.mktemp("rules") / "mutated.toml"
    path.write_bytes(bytes(data))
    try:
        rules = load_rules(path)
    except RuleFileError as error:
        assert error.path == path and str(error).startswith(str(path))
        if error.line is not None:  # a line it names is one of the file's
            assert 1 <= error.line <= bytes(data).count(b"\n") + 1
            assert str(error).startswith(f"{path}, line {error.line}")
        return
    labelled = apply_subsystems(_worm(), rules)
    assert len(labelled["subsystem"]) == labelled.n


@functools.cache
def _worm():
    import brainview

    return brainview.load_default()
