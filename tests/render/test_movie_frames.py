"""Movies without OpenGL: the frame schedule, the interventions in force, and the writer (MP4 and
GIF read back with imageio: frame count, size, order; a failed write leaves no file)."""

import math

import numpy as np
import pytest

from brainview.errors import ParameterError
from brainview.render.movie_frames import (
    NO_INTERVENTIONS,
    Intervention,
    MovieWriter,
    check_movie,
    frame_times_ms,
    in_force,
    movie_caption,
    movie_format,
)

iio = pytest.importorskip("imageio.v3")


def test_frames_come_at_the_end_of_each_interval_of_simulated_time():
    assert frame_times_ms(0.0, 1000.0, 10).tolist() == pytest.approx([100.0 * k for k in range(1, 11)])
    assert frame_times_ms(500.0, 1500.0, 4).tolist() == pytest.approx([750.0, 1000.0, 1250.0, 1500.0])
    assert frame_times_ms(0.0, 1.0, 30).size == 1  # a stretch shorter than a frame still has one


def test_formats_sizes_and_rates_are_checked_by_name():
    assert movie_format("a/b.MP4") == "mp4" and movie_format("b.gif") == "gif"
    with pytest.raises(ParameterError, match=r"must end in \.mp4 or \.gif, not '\.avi'"):
        movie_format("run.avi")
    with pytest.raises(ParameterError, match="--size must be even each way for MP4 .H.264., got 65x48"):
        check_movie("x.mp4", (65, 48), 30)
    assert check_movie("x.gif", (65, 47), 30) == "gif"  # a GIF takes any size
    for fps in (0, -1, 500, math.nan):
        with pytest.raises(ParameterError, match="--fps must be above 0"):
            check_movie("x.mp4", (64, 48), fps)


def test_the_caption_names_the_interventions_in_force():
    spans = [Intervention(100.0, math.inf, "drive ALML 150 Hz"), Intervention(0.0, 400.0, "silence AVA")]
    assert in_force(spans, 50.0) == ["silence AVA"]
    assert in_force(spans, 100.0) == ["silence AVA", "drive ALML 150 Hz"]  # in the order they began
    assert in_force(spans, 400.0) == ["drive ALML 150 Hz"]  # lifted at 400 ms
    assert movie_caption("worm", 2436.0, in_force(spans, 2436.0)) == "worm    t = 2.436 s\ndrive ALML 150 Hz"
    assert movie_caption("worm", 0.0, []).endswith(NO_INTERVENTIONS)


def _frames(n, size):
    width, height = size
    frames = np.zeros((n, height, width, 3), np.uint8)
    for k in range(n):
        frames[k, :, : (k + 1) * width // n] = (200, 40 + 20 * k, 90)  # a bar that grows frame by frame
    return frames


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_a_movie_reads_back_with_its_frames_size_and_order(tmp_path, suffix):
    path = tmp_path / f"bars{suffix}"
    frames = _frames(6, (64, 48))
    writer = MovieWriter(path, (64, 48), fps=12)
    for frame in frames:
        writer.add(frame)
    assert writer.close() == path and writer.close() == path  # closing twice is harmless
    back = iio.imread(path, index=None)
    assert back.shape == (6, 48, 64, 3)
    filled = (back[..., 0] > 100).mean(axis=(1, 2))  # the bar's share of each frame
    assert np.all(np.diff(filled) > 0.1)
    assert not list(tmp_path.glob(".*.part"))


def test_frames_of_another_size_are_refused_and_a_failed_movie_leaves_no_file(tmp_path, monkeypatch):
    writer = MovieWriter(tmp_path / "x.mp4", (64, 48), fps=10)
    with pytest.raises(ValueError, match=r"should be 48x64x3, was \(48, 66, 3\)"):
        writer.add(np.zeros((48, 66, 3), np.uint8))
    writer.close()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("brainview.render.movie_frames._open_encoder", broken)
    failing = MovieWriter(tmp_path / "full.mp4", (64, 48), fps=10)
    for _ in range(20):  # more frames than the queue holds: the producer never waits for ever
        try:
            failing.add(np.zeros((48, 64, 3), np.uint8))
        except OSError:
            break
    with pytest.raises(OSError, match="No space left"):
        failing.close()
    assert not (tmp_path / "full.mp4").exists() and not list(tmp_path.glob(".*.part"))


def test_a_movie_left_open_is_finished_when_the_interpreter_exits(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "left-open.mp4"
    script = (
        "import numpy as np\n"
        "from brainview.render.movie_frames import MovieWriter\n"
        f"writer = MovieWriter({str(path)!r}, (64, 48), fps=10)\n"
        "for k in range(4):\n"
        "    writer.add(np.full((48, 64, 3), 60 * k, np.uint8))\n"
        "raise SystemExit(0)  # no close: as when the app quits while recording\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert iio.imread(path, index=None).shape == (4, 48, 64, 3)
