"""Plugin registry: readers and neuron models contributed by manifests.

A plugin is an installed package that declares an entry point in the group
``brainview.plugins`` pointing at a :class:`Manifest`. The manifest names its contributions as
``"module:attr"`` strings; their code is imported only when first used, and a plugin whose
manifest cannot be loaded is logged and skipped, never fatal. brainview's own readers come
through the same registry, from :mod:`brainview.builtin_plugin`.
"""

from __future__ import annotations

import fnmatch
import importlib
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from brainview.errors import ParameterError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "brainview.plugins"


@dataclass(frozen=True)
class ReaderContribution:
    """A reader: the files it accepts and the function that reads them.

    Parameters
    ----------
    name : str
        Short name users can pass as ``reader=`` ("codex", "graphml").
    command : str
        ``"module:function"``; the function takes ``(path, progress=None)`` and returns a
        :class:`~brainview.connectome.Connectome`.
    filename_patterns : tuple of str
        Shell patterns matched against a file's name (``"*.graphml"``).
    directory_markers : tuple of str
        Patterns of which at least one must name a file inside a folder for this reader to
        accept the folder.
    companion_files : tuple of str
        Patterns of the other files of such a folder (a Codex download's ``neurons.csv*``):
        a folder that has some of them but no marker is one of this kind with a table missing,
        and the error says which.
    description : str
        One line for menus and ``--help``.
    fallback : bool
        A generic reader (any ``*.csv``) that is tried only after every specific one, so that
        a plugin's reader for a particular CSV layout wins over it.
    """

    name: str
    command: str
    filename_patterns: tuple[str, ...] = ()
    directory_markers: tuple[str, ...] = ()
    description: str = ""
    fallback: bool = False
    companion_files: tuple[str, ...] = ()

    def accepts(self, path: Path) -> bool:
        """True if this reader claims ``path`` (a file by name, a folder by its contents)."""
        if path.is_dir():
            names = [p.name for p in path.iterdir()]
            return any(fnmatch.filter(names, marker) for marker in self.directory_markers)
        return any(fnmatch.fnmatch(path.name.lower(), p.lower()) for p in self.filename_patterns)


@dataclass(frozen=True)
class ModelContribution:
    """A neuron model: a name and ``"module:attr"`` of its class."""

    name: str
    command: str
    description: str = ""


@dataclass(frozen=True)
class Manifest:
    """What one plugin contributes."""

    name: str
    readers: tuple[ReaderContribution, ...] = ()
    models: tuple[ModelContribution, ...] = ()


def import_command(command: str) -> Any:
    """Import the object named by ``"package.module:attr"``."""
    module_name, _, attr = command.partition(":")
    if not attr:
        raise ParameterError(f"plugin command {command!r} must look like 'module:attr'")
    return getattr(importlib.import_module(module_name), attr)


@dataclass
class Registry:
    """All manifests, built-in first; looks up readers and models by name or by path."""

    manifests: list[Manifest] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)

    @classmethod
    def discover(cls) -> Registry:
        """The built-in manifest plus every installed plugin that loads."""
        from brainview.builtin_plugin import MANIFEST

        registry = cls([MANIFEST])
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            try:
                manifest = entry.load()
                if not isinstance(manifest, Manifest):
                    raise TypeError(f"entry point gave {type(manifest).__name__}, not a Manifest")
            except Exception as error:  # a broken plugin must never break start-up
                log.warning("brainview plugin %r skipped: %s", entry.name, error)
                registry.failures[entry.name] = str(error)
                continue
            registry.manifests.append(manifest)
        return registry

    @property
    def readers(self) -> list[ReaderContribution]:
        """Every reader, in lookup order: specific ones by manifest order, then fallbacks."""
        everything = [r for m in self.manifests for r in m.readers]
        return [r for r in everything if not r.fallback] + [r for r in everything if r.fallback]

    @property
    def models(self) -> list[ModelContribution]:
        """Every neuron model, in lookup order."""
        return [model for m in self.manifests for model in m.models]

    def reader_for(self, path: Path, name: str | None = None) -> ReaderContribution:
        """The reader called ``name``, or else the first one that accepts ``path``."""
        if name is not None:
            for reader in self.readers:
                if reader.name == name:
                    return reader
            raise ParameterError(f"no reader called {name!r}; readers are {[r.name for r in self.readers]}")
        for reader in self.readers:
            if reader.accepts(path):
                return reader
        if path.is_dir():
            raise ParameterError(self._folder_not_recognised(path))
        kinds = "; ".join(f"{r.name}: {', '.join(r.filename_patterns)}" for r in self.readers if r.filename_patterns)
        raise ParameterError(f"{path}: no reader recognises this file ({kinds})")

    def _folder_not_recognised(self, path: Path) -> str:
        """What a folder no reader accepts lacks: the missing table of the kind it looks like,
        or else the file each kind of folder needs (not file-name patterns, which its other
        files may well match)."""
        names = sorted(p.name for p in path.iterdir())
        for reader in self.readers:
            present = sorted({n for pattern in reader.companion_files for n in fnmatch.filter(names, pattern)})
            if present:
                return (
                    f"{path}: no connections table in this {reader.name} folder (it has "
                    f"{', '.join(present)}): add {' or '.join(reader.directory_markers)}"
                )
        kinds = "; ".join(f"{r.name}: {', '.join(r.directory_markers)}" for r in self.readers if r.directory_markers)
        return f"{path}: no reader recognises this folder; a folder is read when it holds one of ({kinds})"

    def model(self, name: str) -> Any:
        """The neuron model class called ``name``, imported now."""
        for model in self.models:
            if model.name == name:
                return import_command(model.command)
        raise ParameterError(f"no neuron model called {name!r}; models are {[m.name for m in self.models]}")


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The registry of this process, discovered on first use."""
    return Registry.discover()
