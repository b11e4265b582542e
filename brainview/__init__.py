"""brainview: explore connectomes in 3D and run live lesion experiments on them.

The notebook API is importable from here: :func:`load`, :class:`Connectome`,
:class:`Simulation`, :class:`Protocol` (with :class:`StimulusSpec` and :class:`LesionSpec`) and
:func:`run_protocol`. Importing ``brainview`` loads none of them: each is imported on first use
(PEP 562), so that ``import brainview`` stays quick and never compiles or imports the engine's
numba kernels, nor anything of Qt.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("brainview")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

_LAZY = {
    "Connectome": "brainview.connectome.connectome",
    "Simulation": "brainview.sim.engine",
    "Protocol": "brainview.sim.protocol",
    "StimulusSpec": "brainview.sim.protocol",
    "LesionSpec": "brainview.sim.protocol",
    "run_protocol": "brainview.sim.protocol",
}
"""Public names defined elsewhere, by the module that defines them."""


def load(path, reader=None, progress=None, rules=None):
    """Read a connectome from ``path``; see :func:`brainview.connectome.io.load`.

    ``rules`` chooses the subsystem rules: a shipped rule set (``"celegans"``, ``"flywire"``,
    ``"hemibrain"``, ``"manc"``, ``"larva"``) or one's own rule file.
    """
    from brainview.connectome.io import load as _load

    return _load(path, reader=reader, progress=progress, rules=rules)


def load_default():
    """The embedded default dataset: the C. elegans hermaphrodite (Cook et al. 2019)."""
    from brainview.resources import default_dataset_path

    return load(default_dataset_path())


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'brainview' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # the next look-up is an ordinary one
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Connectome", "LesionSpec", "Protocol", "Simulation", "StimulusSpec", "__version__", "load", "load_default",
    "run_protocol",
]
