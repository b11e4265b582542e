"""Every citation of the shipped subsystem rule files carries its DOI (or, for a web page, its URL)."""

from __future__ import annotations

import re

import pytest

from brainview.connectome.subsystems import rules_for, shipped_rule_sets

LINK = re.compile(r" (doi:10\.\d{4,9}/\S+[^.,;\s]|https://\S+)$")

# Looked up when the DOIs were added (see the closing note) and not found anywhere:
# listed here so that a new citation without its DOI fails this test.
WITHOUT_DOI = (
    "Sulston J, Dew M, Brenner S (1975)",
    "Rankin CH (2004)",
    "Ha HI, Hendricks M, Shen Y, et al. (2010)",
    "Monastirioti M (1999)",
)


@pytest.mark.parametrize("name", shipped_rule_sets())
def test_every_citation_ends_with_its_doi_or_url(name):
    for group in rules_for(name).groups:
        for citation in group.citations:
            if citation.startswith(WITHOUT_DOI):
                assert "doi:" not in citation
                continue
            assert LINK.search(citation), f"{name}.toml, group {group.label!r}: no DOI or URL in {citation!r}"


def test_the_shipped_rule_sets():
    assert set(shipped_rule_sets()) == {"celegans", "flywire", "hemibrain", "manc", "larva"}
