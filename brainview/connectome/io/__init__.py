"""Reading and writing connectomes: the native HDF5 format and source formats.

Every reader is looked up in the plugin registry; :func:`load` picks one from the path.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from brainview.connectome.connectome import Connectome
from brainview.connectome.io.errors import FormatError
from brainview.connectome.io.native import read_native, write_native
from brainview.errors import MissingInputError

Progress = Callable[[float, str], None]
"""A progress callback: ``progress(fraction_done, what_is_happening)``."""


def load(
    path: str | os.PathLike, reader: str | None = None, progress: Progress | None = None, rules=None
) -> Connectome:
    """Read a connectome from a file or a folder, recognising its format from the path.

    Parameters
    ----------
    path : path-like
        A native ``.h5`` file, a folder of FlyWire Codex, Shiu et al. or neuPrint files, one
        of their connection files, a GraphML/GEXF file, or a CSV edge list.
    reader : str, optional
        Force a reader by name (see ``brainview info --help``).
    progress : callable, optional
        Called as ``progress(fraction, message)`` while reading large inputs.
    rules : str, path-like or SubsystemRules, optional
        Subsystem rules to classify the cells with, instead of those the reader applies (the
        FlyWire rules on a Codex download, the larva's on a Winding et al. edge list, the
        best-fitting of the hemibrain's and MANC's on a neuPrint export) or the file holds: a
        shipped rule set by name (``"celegans"``, ``"flywire"``, ``"hemibrain"``, ``"manc"``,
        ``"larva"``) or one's own rule file
        (:func:`~brainview.connectome.subsystems.resolve_rules`). ``meta["subsystem_rules"]``
        records which rules the cells carry.

    Raises
    ------
    MissingInputError
        If ``path`` does not exist (a ``FileNotFoundError``).
    FormatError
        If the file is not valid for the chosen reader.
    UnknownNameError, RuleFileError
        If ``rules`` names no shipped rule set or file, its file is not a valid rule file, or
        (one's own file) one of its groups matches no cell of the dataset.
    """
    from brainview.plugins import import_command, registry

    path = Path(path)
    if not path.exists():
        raise MissingInputError(f"{path}: no such file or folder")
    chosen = None
    if rules is not None:  # a bad rule file fails before a long read, not after it
        from brainview.connectome.subsystems import resolve_rules

        chosen = resolve_rules(rules)
    contribution = registry().reader_for(path, reader)
    read = import_command(contribution.command)
    connectome = read(path, progress=progress)
    if chosen is not None:
        from brainview.connectome.subsystem_files import check_fits
        from brainview.connectome.subsystems import apply_subsystems, shipped_rule_sets

        if not (isinstance(rules, str) and rules in shipped_rule_sets()):  # one's own rules must fit
            check_fits(connectome, chosen)
        connectome = apply_subsystems(connectome, chosen)
    return connectome


__all__ = ["FormatError", "Progress", "load", "read_native", "write_native"]
