"""Canonical neurotransmitter labels and the synaptic sign they imply.

Sources spell transmitters differently (FlyWire ``ACH``/``GLUT``/``SER``/``OCT``, Wang et al.
2024 ``5-HT``, ``octopamine``, ``*ACh - NEW``); brainview stores one canonical spelling.
"""

from __future__ import annotations

import re

import numpy as np

CANONICAL = ("ACh", "Glu", "GABA", "DA", "5HT", "OA", "TA", "His", "peptide", "unknown")

_ALIASES = {
    "ach": "ACh", "acetylcholine": "ACh",
    "glu": "Glu", "glut": "Glu", "glutamate": "Glu",
    "gaba": "GABA",
    "da": "DA", "dopamine": "DA",
    "5ht": "5HT", "5-ht": "5HT", "ser": "5HT", "serotonin": "5HT",
    "oa": "OA", "oct": "OA", "octopamine": "OA",
    "ta": "TA", "tyr": "TA", "tyramine": "TA",
    "his": "His", "hist": "His", "histamine": "His",
    "peptide": "peptide", "neuropeptide": "peptide",
}

FLY_INHIBITORY = frozenset({"GABA", "Glu"})
"""Shiu et al. 2024 treat GABA and glutamate (GluCl receptors) as inhibitory in the fly."""

WORM_INHIBITORY = frozenset({"GABA"})
"""In C. elegans, GABAergic motor and head neurons are the inhibitory class (Wang et al. 2024)."""


def canonical_nt(label: object) -> str:
    """Map one source label to a canonical transmitter name (``unknown`` if none is named).

    Uptake-only labels (``GABA (uptake)``, ``betaine (uptake)``) do not make a neuron release
    the transmitter, so they map to ``unknown``; reporter markers such as ``*`` and ``- NEW``
    are ignored.
    """
    if label is None or (isinstance(label, float) and np.isnan(label)):
        return "unknown"
    text = str(label).strip().lower()
    if not text or "uptake" in text or text.startswith("unknown"):
        return "unknown"
    text = re.sub(r"^\*|\s*-\s*new$|\*", "", text).strip()
    first = re.split(r"[,;/+ ]", text)[0]
    return _ALIASES.get(text, _ALIASES.get(first, "unknown"))


def sign_from_nt(nt_labels: np.ndarray, inhibitory: frozenset[str]) -> np.ndarray:
    """int8 sign per neuron: -1 for an inhibitory transmitter, +1 otherwise."""
    labels = np.asarray(nt_labels, dtype=object)
    return np.where(np.isin(labels, list(inhibitory)), -1, 1).astype(np.int8)
