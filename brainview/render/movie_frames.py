"""Movies of the 3D view: when frames are taken, what their caption says, and the file writer.

Shared by File > Record movie (:mod:`brainview.ui.movie`) and ``brainview render RUN --movie``
(:mod:`brainview.cli.render_movie`); neither Qt nor the engine is needed here.

Time base: frames are taken at the cadence of *simulated* time. A movie at ``fps`` frames per
second holds one frame per ``1000 / fps`` ms of simulated time, so it plays one simulated second
per second whatever speed the engine ran at (flat out, real time or slowed down), and a paused
simulation adds no frames. Frame ``k`` of a stretch that starts at ``start_ms`` shows the glow at
the *end* of its interval, ``start_ms + (k + 1) * 1000 / fps``: the last frame of ``--from 0
--to 2`` shows t = 2 s.

Files (chosen by the suffix, :data:`MOVIE_FORMATS`):

- ``.mp4``: H.264 (yuv420p, so the width and height must be even) through the ffmpeg binary of
  the imageio-ffmpeg package, written frame by frame as they come;
- ``.gif``: an animated GIF through imageio's Pillow plugin, looping; Pillow keeps the frames
  in memory until the file is closed, so long recordings belong in MP4. Pillow stores a frame
  identical to the one before as a longer showing of that one: the timing is kept, but such a
  GIF reads back with fewer frames than were written.

:class:`MovieWriter` encodes on a thread of its own, into a temporary file beside the target
that is renamed when the movie is closed: a failed recording leaves no half-written file, and
one still open when the interpreter exits is finished first (an ``atexit`` hook).
"""

from __future__ import annotations

import atexit
import os
import queue
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brainview.connectome.io.atomic import atomic_output
from brainview.errors import ParameterError

MOVIE_FORMATS = {".mp4": "MP4 video (H.264)", ".gif": "GIF animation"}
"""Movie file suffixes and what they write."""

MAX_FPS = 120.0
"""Most frames per second a movie may have."""

QUEUED_FRAMES = 8
"""Frames that may wait for the encoder; beyond, :meth:`MovieWriter.add` waits for it."""

MP4_QUALITY = 8
"""imageio-ffmpeg's quality (0-10) for MP4: thin glowing dots survive the compression."""

NO_INTERVENTIONS = "no lesions or stimuli"
"""The interventions line of a caption when there are none."""


def movie_format(path: str | os.PathLike) -> str:
    """``"mp4"`` or ``"gif"`` by the suffix of ``path``; ParameterError naming the suffix otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in MOVIE_FORMATS:
        raise ParameterError(f"{path}: a movie must end in {' or '.join(MOVIE_FORMATS)}, not {suffix or 'no suffix'!r}")
    return suffix[1:]


def check_movie(path: str | os.PathLike, size: tuple[int, int], fps: float, option: str = "--size") -> str:
    """Check a movie's path, frame size and rate before anything is drawn; returns its format.

    ``option`` names the size in the message (the command line's ``--size``, the dialog's field).
    """
    chosen = movie_format(path)
    width, height = size
    if chosen == "mp4" and (width % 2 or height % 2):
        raise ParameterError(f"{option} must be even each way for MP4 (H.264), got {width}x{height}")
    if not (np.isfinite(fps) and 0 < fps <= MAX_FPS):
        raise ParameterError(f"--fps must be above 0 and at most {MAX_FPS:g}, got {fps:g}")
    return chosen


def frame_times_ms(start_ms: float, stop_ms: float, fps: float) -> np.ndarray:
    """Simulated times (ms) of the frames of ``start_ms`` to ``stop_ms`` at ``fps``: each the end
    of its interval (see the module notes). At least one frame."""
    interval_ms = 1000.0 / fps
    count = max(round((stop_ms - start_ms) / interval_ms), 1)
    return start_ms + interval_ms * np.arange(1, count + 1)


@dataclass(frozen=True)
class Intervention:
    """A lesion or stimulus in force from ``start_ms`` until ``stop_ms`` (inf: to the end)."""

    start_ms: float
    stop_ms: float
    text: str  # "silence AVA", "drive ALML,ALMR 150 Hz"


def in_force(interventions: Iterable[Intervention], t_ms: float) -> list[str]:
    """The texts of the interventions in force at ``t_ms``, in the order they began."""
    return [i.text for i in sorted(interventions, key=lambda i: i.start_ms) if i.start_ms <= t_ms < i.stop_ms]


def interventions_line(texts: Sequence[str]) -> str:
    """The caption's line of interventions: "silence AVA  |  drive ALML 150 Hz", or :data:`NO_INTERVENTIONS`."""
    return "  |  ".join(texts) if texts else NO_INTERVENTIONS


def clock_text(t_ms: float) -> str:
    """The caption's clock, "t = 2.436 s"."""
    return f"t = {t_ms / 1000:.3f} s"


def movie_caption(name: str, t_ms: float, texts: Sequence[str]) -> str:
    """Two caption lines: the dataset and the clock, then the interventions in force."""
    return f"{name}    {clock_text(t_ms)}\n{interventions_line(texts)}"


class MovieWriter:
    """Writes RGB frames of one size to an MP4 or GIF file, encoding on a thread of its own.

    Parameters
    ----------
    path : path-like
        The movie (``.mp4`` or ``.gif``); written under a temporary name until :meth:`close`.
    size : (int, int)
        Width and height of every frame, pixels.
    fps : float
        Frames per second of the movie.

    Raises
    ------
    ParameterError
        For a suffix, size or rate the format cannot take (see :func:`check_movie`).
    """

    def __init__(self, path: str | os.PathLike, size: tuple[int, int], fps: float) -> None:
        self.path = Path(path)
        self.size = (int(size[0]), int(size[1]))
        self.fps = float(fps)
        self.format = check_movie(self.path, self.size, self.fps)
        self.frames = 0
        """Frames handed to the writer so far."""
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUED_FRAMES)
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._encode, name="brainview-movie", daemon=True)
        self._thread.start()
        # a daemon thread dies with the interpreter: finish the file first (atexit runs before that)
        atexit.register(self.close)

    def add(self, frame: np.ndarray) -> None:
        """Queue one (height, width, 3) uint8 RGB frame; waits while the encoder is behind.

        Raises the encoder's error (a full disk, a folder that went away) if it has failed.
        """
        if self._closed:
            raise RuntimeError(f"the movie {self.path} is closed")
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        if frame.shape != (self.size[1], self.size[0], 3):
            raise ValueError(f"a frame of {self.path} should be {self.size[1]}x{self.size[0]}x3, was {frame.shape}")
        self._raise_error()
        self._queue.put(frame)
        self.frames += 1

    def close(self) -> Path:
        """Encode the frames still queued, close the file and give it its name; returns the path.

        Safe to call twice. Raises the encoder's error, if any (then no file is left).
        """
        if not self._closed:
            self._closed = True
            atexit.unregister(self.close)
            self._queue.put(None)
            self._thread.join()
        self._raise_error()
        return self.path

    @property
    def failed(self) -> BaseException | None:
        """The encoder's error, or None while it works."""
        return self._error

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def _encode(self) -> None:
        try:
            with atomic_output(self.path) as temporary:
                encoder = _open_encoder(temporary, self.format, self.size, self.fps)
                try:
                    while (frame := self._queue.get()) is not None:
                        encoder.send(frame)
                finally:
                    encoder.close()
        except BaseException as error:  # reported to the producer, which runs in another thread
            self._error = error
            while self._queue.get() is not None:  # keep taking frames, so that no producer waits forever
                pass


class _Encoder:
    """One movie file being written: ``send(frame)`` then ``close()``."""

    def __init__(self, send, close) -> None:
        self.send, self.close = send, close


def _open_encoder(path: Path, chosen: str, size: tuple[int, int], fps: float) -> _Encoder:
    if chosen == "mp4":
        import imageio_ffmpeg

        frames = imageio_ffmpeg.write_frames(
            str(path), size, fps=fps, codec="libx264", quality=MP4_QUALITY, macro_block_size=1,
            # the temporary name has no .mp4 suffix to guess the container from
            output_params=["-f", "mp4", "-movflags", "+faststart"], ffmpeg_log_level="error",
        )
        frames.send(None)  # starts ffmpeg
        return _Encoder(frames.send, frames.close)
    import imageio.v3 as iio

    gif = iio.imopen(path, "w", plugin="pillow", extension=".gif")
    duration_ms = 1000.0 / fps
    return _Encoder(lambda frame: gif.write(frame, is_batch=False, duration=duration_ms, loop=0), gif.close)
