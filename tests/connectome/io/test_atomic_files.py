"""Files that belong together are written all or none, the entry point renamed into place last."""

from __future__ import annotations

import os

import pytest

from brainview.connectome.io.atomic_files import atomic_outputs, writing


def test_every_file_appears_only_when_all_are_written(tmp_path, monkeypatch):
    targets = [tmp_path / "config.json", tmp_path / "a.h5", tmp_path / "sub" / "b.csv"]
    renamed = []
    real_replace = os.replace

    def replace(source, destination):
        renamed.append(os.path.basename(destination))
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    with atomic_outputs(targets) as temporary:
        for path in temporary:
            path.write_text("done")
        assert not any(t.exists() for t in targets)
    assert all(t.read_text() == "done" for t in targets)
    assert renamed[-1] == "config.json"  # the file naming the others comes last


def test_a_failure_leaves_no_file_and_no_new_folder(tmp_path):
    targets = [tmp_path / "new" / "deeper" / "config.json", tmp_path / "new" / "nodes.h5"]
    with pytest.raises(RuntimeError), atomic_outputs(targets) as temporary:
        temporary[1].write_text("half")
        raise RuntimeError("the writer failed")
    assert list(tmp_path.iterdir()) == []


def test_the_same_file_twice_is_refused(tmp_path):
    with pytest.raises(ValueError, match="distinct"), atomic_outputs([tmp_path / "a", tmp_path / "a"]):
        pass


def test_write_errors_name_the_destination(tmp_path):
    (tmp_path / "file").write_text("x")
    destination = tmp_path / "file" / "out.h5"
    with pytest.raises(OSError) as caught, writing(destination):
        destination.parent.mkdir(parents=True, exist_ok=True)
    assert caught.value.filename == str(destination) and "cannot write it" in str(caught.value.strerror)
