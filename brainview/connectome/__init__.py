"""The connectome data model, its queries, grouping rules and file formats (no GUI, no engine)."""

from brainview.connectome.categorical import Categorical
from brainview.connectome.connectome import Connectome
from brainview.connectome.queries import GroupMatrix, Partner
from brainview.connectome.selectors import Selector, SelectorError, resolve
from brainview.connectome.synapses import SynapseCSR

__all__ = [
    "Categorical", "Connectome", "GroupMatrix", "Partner", "Selector", "SelectorError", "SynapseCSR", "resolve",
]
