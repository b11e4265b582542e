"""``brainview render RUN --movie``: a run file's spikes as an MP4 or GIF read back with imageio
(frame count and size), the interventions of its log in the caption, and one clear error line
for each bad option."""

from __future__ import annotations

import math

import numpy as np
import pytest

from brainview.cli import main
from brainview.cli.render_movie import run_interventions
from brainview.sim import LesionMode, StimulusKind
from brainview.sim.protocol import LesionSpec, Protocol, StimulusSpec, run_protocol
from brainview.sim.runfile import DatasetInfo, read_run, write_run

iio = pytest.importorskip("imageio.v3")

PROTOCOL = Protocol(
    duration_ms=300.0,
    stimuli=(StimulusSpec("N0,N1,N2", StimulusKind.POISSON, 200.0, 0.0, 200.0),
             StimulusSpec("N7", StimulusKind.CURRENT, 12.0, 100.0)),
    lesions=(LesionSpec("type:T2", LesionMode.SILENCE, 150.0),),
)


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    """A 0.3 s run of a 12-cell ring, its dataset written beside it as native HDF5."""
    from brainview.connectome.io import write_native
    from tests.conftest import make_connectome

    folder = tmp_path_factory.mktemp("run")
    network = make_connectome(12)
    dataset = write_native(network, folder / "ring.h5")
    result = run_protocol(network, PROTOCOL, seed=1, trials=1, workers=1)
    return write_run(folder / "run.h5", result, DatasetInfo.of(network, dataset))


def test_the_log_becomes_the_interventions_in_force_and_the_lesions_to_mark(run_file):
    spans, lesions = run_interventions(read_run(run_file).log)
    found = {(span.text, span.start_ms, span.stop_ms) for span in spans}
    assert found == {("drive N0,N1,N2 200 Hz", 0.0, 200.0), ("inject N7 12 mV", 100.0, math.inf),
                     ("silence type:T2", 150.0, math.inf)}
    assert lesions == [(150.0, math.inf, "type:T2")]


@pytest.mark.gl
@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_a_movie_of_a_run_has_one_frame_per_interval_at_the_size_asked(gl_backend, run_file, tmp_path, capsys, suffix):
    out = tmp_path / f"ring{suffix}"
    code = main(["render", str(run_file), "--movie", str(out), "--size", "64x48", "--fps", "20"])
    assert code == 0, capsys.readouterr().err
    frames = iio.imread(out, index=None)
    assert frames.shape == (6, 48, 64, 3)  # 0.3 s at 20 frames per simulated second
    assert f"wrote {out} (64x48, 6 frames at 20 fps, 0 to 0.3 s of" in capsys.readouterr().out


@pytest.mark.gl
def test_from_and_to_choose_the_stretch_and_the_strip_is_under_the_view(gl_backend, run_file, tmp_path, capsys):
    from brainview.ui.picture import frame_scale, strip_height

    out = tmp_path / "part.mp4"
    assert main(["render", str(run_file), "--movie", str(out), "--from", "0.1", "--to", "0.25",
                 "--fps", "40", "--size", "320x240"]) == 0, capsys.readouterr().err
    frames = iio.imread(out, index=None)
    assert frames.shape == (6, 240, 320, 3)
    # the legend and two caption lines (the clock, the interventions) fill the bottom of each frame
    strip = strip_height(3, frame_scale((320, 240)))
    bottom = frames[:, 240 - strip + 4:, :, :].astype(int)
    assert np.abs(bottom - np.array([0x1b, 0x1e, 0x23])).max(axis=-1).mean() < 40  # mostly the strip's colour
    assert (np.abs(bottom - np.array([0x1b, 0x1e, 0x23])).max(axis=-1) > 100).sum() > 100  # with text on it


def test_bad_options_give_one_line_naming_the_option(run_file, tmp_path, capsys, empty):
    from brainview.connectome.io import write_native

    out = str(tmp_path / "x.mp4")
    cases = [
        (["--from", "0.2", "--to", "0.1"], "--to must be after --from (0.2 s)"),
        (["--to", "5"], "at most the run's end (0.3 s)"),
        (["--from", "-1"], "--from must lie in [0, 0.3) s"),
        (["--size", "64x"], "--size must look like 1600x1000"),
        (["--size", "65x48"], "--size must be even each way for MP4"),
        (["--fps", "0"], "--fps must be above 0"),
    ]
    for options, message in cases:
        assert main(["render", str(run_file), "--movie", out, *options]) == 1, options
        err = capsys.readouterr().err
        assert err.startswith("brainview: error: ") and message in err and err.count("\n") == 1, err
    not_a_run = write_native(empty, tmp_path / "network.h5")
    assert main(["render", str(not_a_run), "--movie", out]) == 1
    assert "not a brainview run file" in capsys.readouterr().err
    assert main(["render", str(run_file), "--movie", str(tmp_path / "x.avi")]) == 1
    assert "must end in .mp4 or .gif" in capsys.readouterr().err
    assert main(["render", "--out", str(tmp_path / "x.png"), "--fps", "10"]) == 1
    assert "--fps applies to --movie only" in capsys.readouterr().err
    assert main(["render", str(run_file)]) == 1
    assert "give --out PICTURE.png or --movie MOVIE.mp4" in capsys.readouterr().err
    assert main(["render", str(run_file), "--movie", out, "--dataset", str(not_a_run)]) == 1
    assert "does not have the cells of" in capsys.readouterr().err
    assert not list(tmp_path.glob("x.*"))


@pytest.mark.gl
def test_a_dataset_that_moved_is_found_beside_the_run_or_named(gl_backend, run_file, tmp_path, capsys):
    import shutil

    from brainview.connectome.io import read_native

    record = read_run(run_file)
    network = read_native(record.config["dataset_path"])
    gone = DatasetInfo.of(network, tmp_path / "gone" / "ring.h5")  # recorded where it no longer is
    result = run_protocol(network, PROTOCOL, seed=1, trials=1, workers=1)
    moved = write_run(tmp_path / "moved" / "run.h5", result, gone)
    out = tmp_path / "x.mp4"
    assert main(["render", str(moved), "--movie", str(out), "--size", "64x48"]) == 1
    assert "ring.h5 is not there, nor beside the run file; give it with --dataset PATH" in capsys.readouterr().err
    assert main(["render", str(moved), "--movie", str(out), "--size", "64x48", "--fps", "10",
                 "--dataset", record.config["dataset_path"]]) == 0
    shutil.copy(record.config["dataset_path"], moved.parent / "ring.h5")
    assert main(["render", str(moved), "--movie", str(out), "--size", "64x48", "--fps", "10"]) == 0
    assert iio.imread(out, index=None).shape == (3, 48, 64, 3)
