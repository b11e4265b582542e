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


def test_a_folder_missing_its_connections_table_is_told_what_is_missing(tmp_path):
    registry = Registry.discover()
    (tmp_path / "neurons.csv.gz").touch()  # matches the edge list's "*.csv.gz" too
    (tmp_path / "classification.csv.gz").touch()
    with pytest.raises(ValueError) as caught:
        registry.reader_for(tmp_path)
    message = str(caught.value)
    assert "no connections table in this codex folder (it has classification.csv.gz, neurons.csv.gz)" in message
    assert "add connections.csv* or connections_no_threshold.csv*" in message
    assert "*.csv.gz" not in message  # no list of patterns its own files match


def test_an_unknown_folder_lists_what_each_kind_of_folder_needs(tmp_path):
    (tmp_path / "readme.txt").touch()
    with pytest.raises(ValueError) as caught:
        Registry.discover().reader_for(tmp_path)
    message = str(caught.value)
    assert "a folder is read when it holds one of" in message and "codex: connections.csv*" in message
    assert "larva: maggot*_edgelist.csv*" in message
    assert "edgelist:" not in message and "graphml:" not in message  # file readers never read a folder
