"""Finding the files of a SONATA circuit: from a circuit config, a folder or one nodes file.

A circuit config (JSON) lists ``networks.nodes`` and ``networks.edges``, each entry naming a
``nodes_file`` / ``edges_file``, an optional ``node_types_file`` / ``edge_types_file`` and
optional ``populations`` (``{"name": {"type": ...}}``); ``manifest`` defines ``$VARS`` that the
paths use, and relative paths are relative to the config's folder. A simulation config whose
``network`` names a circuit config is followed once. See :mod:`brainview.connectome.io.sonata`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from brainview.connectome.io.errors import FormatError
from brainview.connectome.io.sonata_tables import one_line, shown

CONFIG_PATTERNS = ("circuit_config*.json", "*circuit*.json")
"""Names of circuit configs in a folder, in order of preference."""

MAX_CONFIG_BYTES = 16 << 20
"""The largest config (and types table, times 4) brainview reads."""


@dataclass(frozen=True)
class FileEntry:
    """One nodes or edges file of a circuit, its types table and the populations the config gives."""

    path: Path
    types: Path | None = None
    populations: dict[str, str] = field(default_factory=dict)  # name -> type ("" if not given)


@dataclass(frozen=True)
class Circuit:
    """The files of a circuit, found from a config, a folder or a nodes file."""

    source: Path
    nodes: tuple[FileEntry, ...]
    edges: tuple[FileEntry, ...]
    partial: bool = False  # one nodes file: edges of other populations are left out


# -- finding the files -------------------------------------------------------------------------
def find_circuit(path: Path) -> Circuit:
    """The files of the circuit at ``path``: a circuit config, a folder or a nodes file."""
    if path.is_dir():
        for pattern in CONFIG_PATTERNS:
            configs = sorted(path.glob(pattern))
            if configs:
                return _config_circuit(configs[0])
        nodes = [p for p in sorted(path.glob("*nodes*.h5")) if "node_types" not in p.name]
        if not nodes:
            raise FormatError(path, "no circuit_config.json and no *nodes*.h5 file in this folder")
        return Circuit(path, tuple(_entry(p, "nodes") for p in nodes),
                       tuple(_entry(p, "edges") for p in _edge_files(path)))
    if path.suffix.lower() == ".json":
        return _config_circuit(path)
    return Circuit(path, (_entry(path, "nodes"),), tuple(_entry(p, "edges") for p in _edge_files(path.parent)), True)


def _edge_files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.glob("*edges*.h5")) if "edge_types" not in p.name]


def _entry(path: Path, kind: str) -> FileEntry:
    singular = kind[:-1]
    name = path.name
    types = path.with_name(name.replace(f"{kind}.h5", f"{singular}_types.csv")) if f"{kind}.h5" in name else None
    return FileEntry(path, types if types is not None and types.is_file() else None)


def _config_circuit(path: Path) -> Circuit:
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise FormatError(path, f"a circuit config of {size} bytes; brainview reads configs up to "
                              f"{MAX_CONFIG_BYTES}")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(path, "not a circuit config: the file is not UTF-8 text") from None
    except OSError as error:
        raise FormatError(path, f"cannot read the circuit config: {one_line(str(error.strerror or error))}") from None
    return parse_circuit_config(text, path)


def parse_circuit_config(text: str, path: Path, follow: bool = True) -> Circuit:
    """The circuit a circuit config (JSON ``text`` read from ``path``) describes.

    A simulation config whose ``network`` names a circuit config is followed (once).
    """
    try:
        config = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise FormatError(path, f"not a JSON circuit config: {one_line(str(error), 200)}") from None
    if not isinstance(config, dict):
        raise FormatError(path, "not a circuit config: the JSON is not an object")
    manifest = _manifest(config.get("manifest", {}), path)
    networks = config.get("networks")
    if networks is None and follow and isinstance(config.get("network"), str):
        target = _resolve(config["network"], manifest, path, "network")
        if not target.is_file():
            raise FormatError(path, f"the network config {shown(target, 200)} does not exist", column="network")
        circuit = _config_circuit_once(target)
        return circuit
    if not isinstance(networks, dict):
        raise FormatError(path, "not a circuit config: no 'networks' object", column="networks")
    found = {}
    for kind in ("nodes", "edges"):
        entries = networks.get(kind, [])
        if not isinstance(entries, list):
            raise FormatError(path, f"'networks.{kind}' must be a list", column=f"networks.{kind}")
        found[kind] = tuple(_config_entry(entry, kind, manifest, path, f"networks.{kind}[{k}]")
                            for k, entry in enumerate(entries))
    if not found["nodes"]:
        raise FormatError(path, "the circuit config lists no nodes files", column="networks.nodes")
    return Circuit(path, found["nodes"], found["edges"])


def _config_circuit_once(path: Path) -> Circuit:
    try:
        text = path.read_bytes()[: MAX_CONFIG_BYTES + 1].decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FormatError(path, f"cannot read the circuit config: {one_line(str(error))}") from None
    return parse_circuit_config(text, path, follow=False)


def _manifest(manifest: object, path: Path) -> dict[str, str]:
    if not isinstance(manifest, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in manifest.items()):
        raise FormatError(path, "'manifest' must map $NAMES to strings", column="manifest")
    resolved = dict(manifest)
    for _ in range(len(resolved) + 1):  # variables may refer to each other, but not in a loop
        changed = False
        for key, value in resolved.items():
            new = _substitute(value, resolved, key)
            changed |= new != value
            resolved[key] = new
        if not changed:
            return resolved
    raise FormatError(path, "the manifest's variables refer to each other in a loop", column="manifest")


def _substitute(value: str, manifest: dict[str, str], skip: str | None = None) -> str:
    return re.sub(r"\$[A-Za-z_][A-Za-z0-9_]*", lambda m: manifest[m.group()] if m.group() in manifest and
                  m.group() != skip else m.group(), value)


def _resolve(value: str, manifest: dict[str, str], path: Path, where: str) -> Path:
    text = _substitute(value, manifest)
    if "$" in text:
        raise FormatError(path, f"{shown(text, 200)} uses a variable the manifest does not define", column=where)
    if not text or "\0" in text:
        raise FormatError(path, "an empty or invalid file name", column=where)
    target = Path(text)
    return target if target.is_absolute() else path.parent / target


def _config_entry(entry: object, kind: str, manifest: dict[str, str], path: Path, where: str) -> FileEntry:
    singular = kind[:-1]
    if not isinstance(entry, dict) or not isinstance(entry.get(f"{kind}_file"), str):
        raise FormatError(path, f"each entry needs a '{kind}_file' string", column=where)
    file = _resolve(entry[f"{kind}_file"], manifest, path, f"{where}.{kind}_file")
    if not file.is_file():
        raise FormatError(path, f"the {kind} file {shown(file, 200)} does not exist", column=f"{where}.{kind}_file")
    types = entry.get(f"{singular}_types_file")
    if types is not None:
        if not isinstance(types, str):
            raise FormatError(path, f"'{singular}_types_file' must be a string", column=where)
        types = _resolve(types, manifest, path, f"{where}.{singular}_types_file")
        if not types.is_file():
            raise FormatError(path, f"the types file {shown(types, 200)} does not exist",
                              column=f"{where}.{singular}_types_file")
    populations = entry.get("populations", {})
    if not isinstance(populations, dict) or not all(isinstance(v, dict) for v in populations.values()):
        raise FormatError(path, "'populations' must map names to objects", column=f"{where}.populations")
    kinds = {str(name): str(spec.get("type", "")) for name, spec in populations.items()}
    return FileEntry(file, types, kinds)
