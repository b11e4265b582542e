from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from brainview.plugins import Manifest, ReaderContribution, Registry, import_command


def _entry(name, value):
    return EntryPoint(name=name, value=value, group="brainview.plugins")


def test_builtin_readers_are_found_by_path(tmp_path):
    registry = Registry.discover()
    assert registry.reader_for(Path("brain.h5")).name == "native"
    assert registry.reader_for(Path("graph.graphml")).name == "graphml"
    assert registry.reader_for(Path("traced-total-connections.csv")).name == "neuprint"
    assert registry.reader_for(Path("edges.csv.gz")).name == "edgelist"
    (tmp_path / "connections.csv.gz").touch()
    assert registry.reader_for(tmp_path).name == "codex"
    with pytest.raises(ValueError, match="no reader recognises"):
        registry.reader_for(Path("notes.txt"))


def test_broken_plugin_is_skipped_not_fatal(monkeypatch):
    good = Manifest("extra", readers=(ReaderContribution("foo", "json:loads", ("*.foo",)),))
    import sys
    import types

    module = types.ModuleType("fake_brainview_plugin")
    module.MANIFEST = good
    monkeypatch.setitem(sys.modules, "fake_brainview_plugin", module)
    entries = [_entry("broken", "no_such_module_anywhere:MANIFEST"), _entry("extra", "fake_brainview_plugin:MANIFEST")]
    monkeypatch.setattr("brainview.plugins.entry_points", lambda group: entries)
    registry = Registry.discover()
    assert "broken" in registry.failures
    assert registry.reader_for(Path("x.foo")).name == "foo"
    assert registry.reader_for(Path("x.foo")).command == "json:loads"


def test_import_command_resolves_lazily():
    assert import_command("json:loads")("[1]") == [1]
    with pytest.raises(ValueError, match="module:attr"):
        import_command("json")
