"""brainview: explore connectomes in 3D and run live lesion experiments on them."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("brainview")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"


def load(path, reader=None, progress=None):
    """Read a connectome from ``path``; see :func:`brainview.connectome.io.load`."""
    from brainview.connectome.io import load as _load

    return _load(path, reader=reader, progress=progress)


def load_default():
    """The embedded default dataset: the C. elegans hermaphrodite (Cook et al. 2019)."""
    from brainview.resources import default_dataset_path

    return load(default_dataset_path())


__all__ = ["__version__", "load", "load_default"]
