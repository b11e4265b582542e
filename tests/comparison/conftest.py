"""A network built in code whose lesions have known effects, and its comparisons."""

from __future__ import annotations

import pytest

from brainview.comparison import Comparison, Condition, Drive, Lesion
from brainview.experiment.model import CellSet, DatasetRef
from tests.conftest import make_connectome

DRIVEN = range(0, 4)  # "A": driven by Poisson input
RELAY = range(4, 8)  # "B": its only input is A (100 synapses from each A cell: one A spike fires it)
LONER = 8  # "C": connects to nothing


def relay_network():
    edges = [(a, b, 100.0, 1) for a in DRIVEN for b in RELAY]
    n = 9
    return make_connectome(n, edges=edges, cell_type=["A"] * 4 + ["B"] * 4 + ["C"])


def cells(connectome, label, rows) -> CellSet:
    return CellSet(f"test:{label}", label, list(rows))


@pytest.fixture
def relay():
    return relay_network()


def relay_comparison(connectome, seed=0, trials=6, duration_ms=200.0, conditions=None) -> Comparison:
    """Drive A at 40 Hz; read out A and B; lesion A (B loses its only input) and C (nothing)."""
    a, b, c = cells(connectome, "A", DRIVEN), cells(connectome, "B", RELAY), cells(connectome, "C", [LONER])
    if conditions is None:
        conditions = (Condition("silence A", (Lesion(a),)), Condition("silence C", (Lesion(c),)))
    return Comparison(
        connectome, DatasetRef(None, "test"), (Drive(a, 40.0),), (a, b), conditions,
        trials=trials, duration_ms=duration_ms, seed=seed,
    )
