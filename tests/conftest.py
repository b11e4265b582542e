"""Fixtures shared by all tests: small connectomes built in code, and the shared real data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from brainview.connectome import Connectome, SynapseCSR

REPO_ROOT = Path(__file__).resolve().parent.parent
ALLEN_PLUGIN_DIR = REPO_ROOT / "plugins" / "brainview-allen-mouse"


def shared_data_dir() -> Path | None:
    """The real connectome data beside the checkout (``../shared/data``), or None if absent.

    ``BRAINVIEW_SHARED_DATA`` overrides the location.
    """
    configured = os.environ.get("BRAINVIEW_SHARED_DATA")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


@pytest.fixture
def shared_data() -> Path:
    """Path of ../shared/data; the test is skipped when the real data is not there."""
    path = shared_data_dir()
    if path is None:
        pytest.skip("real connectome data (../shared/data) is not available")
    return path


def make_connectome(
    n: int = 6, edges=None, gap_edges=None, seed: int = 0, **columns
) -> Connectome:
    """A small connectome built in code.

    ``edges`` is a list of (pre, post, count, sign); by default a ring 0 -> 1 -> ... -> n-1 -> 0
    with 2 synapses each, the last connection inhibitory. ``gap_edges`` lists (i, j, weight)
    pairs, stored symmetrically.
    """
    rng = np.random.default_rng(seed)
    if edges is None:
        edges = [(i, (i + 1) % n, 2.0, -1 if i == n - 1 else 1) for i in range(n)]
    pre, post, count, sign = (np.array(x) for x in zip(*edges)) if edges else ([], [], [], [])
    chemical = SynapseCSR.from_edges(pre, post, count, n, np.asarray(sign, np.int8))
    gap = None
    if gap_edges:
        i, j, w = (np.array(x) for x in zip(*gap_edges))
        gap = SynapseCSR.from_edges(np.r_[i, j], np.r_[j, i], np.r_[w, w], n)
    base = {
        "id": np.arange(n, dtype=np.int64) * 10 + 1000,
        "name": [f"N{i}" for i in range(n)],
        "kind": ["neuron"] * n,
        "cell_type": [f"T{i // 2}" for i in range(n)],
        "nt": ["GABA" if i == n - 1 else "ACh" for i in range(n)],
    }
    base.update(columns)
    return Connectome(base, rng.uniform(-50, 50, (n, 3)), chemical, gap, {"name": "fixture"})


@pytest.fixture
def tiny() -> Connectome:
    """Six neurons in a ring (the last one inhibitory) plus one gap junction between 1 and 4."""
    return make_connectome(6, gap_edges=[(1, 4, 0.5)])


@pytest.fixture
def connectome_factory():
    """The :func:`make_connectome` builder, for tests that need their own small networks."""
    return make_connectome


@pytest.fixture
def allen_plugin(monkeypatch):
    """The example plugin (plugins/brainview-allen-mouse), announced through the entry-point
    group as when it is installed; yields the registry that finds it."""
    from importlib.metadata import EntryPoint

    from brainview.plugins import Registry

    monkeypatch.syspath_prepend(str(ALLEN_PLUGIN_DIR))
    entry = EntryPoint(name="allen-mouse", value="brainview_allen_mouse:MANIFEST", group="brainview.plugins")
    monkeypatch.setattr("brainview.plugins.entry_points", lambda group: [entry])
    registry = Registry.discover()
    monkeypatch.setattr("brainview.plugins.registry", lambda: registry)
    yield registry
    for name in [m for m in sys.modules if m.startswith("brainview_allen_mouse")]:
        del sys.modules[name]
