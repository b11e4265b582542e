"""Save picture's composition: the view's pixels on top, a caption strip with the legend under it.

Runs without OpenGL: the view's picture is a made-up RGBA array.
"""

import numpy as np
import pytest

from brainview.ui.picture import (
    LINE_PX,
    MARGIN_PX,
    SWATCH_PX,
    compose_frame,
    compose_picture,
    default_file_name,
    frame_scale,
    image_rgb,
    interventions_now,
    picture_caption,
    strip_height,
    strip_lines,
)

LEGEND = [("ACh", (0.96, 0.6, 0.18, 1.0)), ("GABA", (0.3, 0.56, 1.0, 1.0)), ("Glu", (0.42, 0.86, 0.38, 1.0))]


def as_array(image):
    """A QImage as an (height, width, 4) uint8 RGBA array."""
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return data[:, :4 * image.width()].reshape(image.height(), image.width(), 4).copy()


@pytest.fixture
def view_rgba():
    """A 300 x 800 "view": a gradient, so a shifted or scaled copy would not match."""
    rows, cols = np.mgrid[0:300, 0:800]
    rgba = np.zeros((300, 800, 4), np.uint8)
    rgba[..., 0], rgba[..., 1], rgba[..., 2], rgba[..., 3] = rows % 256, cols % 256, 40, 255
    return rgba


def test_the_view_is_on_top_and_the_strip_shows_every_swatch_and_the_caption(qapp, view_rgba):
    scale = 2
    picture = as_array(compose_picture(view_rgba, LEGEND, "C. elegans    t = 2.436 s", scale))
    assert picture.shape == (300 + strip_height(2, scale), 800, 4)  # one line of legend, one of caption
    assert strip_height(2, scale) == 2 * (2 * MARGIN_PX + 2 * LINE_PX)
    assert np.abs(picture[:300].astype(int) - view_rgba).max() <= 1
    strip = picture[300:, :, :3].astype(int)
    background = strip[1, 1]
    legend_line = strip[: round((MARGIN_PX + LINE_PX) * scale)]
    for label, colour in LEGEND:
        wanted = np.round(np.array(colour[:3]) * 255)
        close = np.abs(legend_line - wanted).max(axis=2) <= 2
        # a swatch is a disc of SWATCH_PX * scale across: its middle is its colour exactly
        assert close.sum() >= (SWATCH_PX * scale / 2) ** 2, label
    caption_line = strip[round((MARGIN_PX + LINE_PX) * scale):]
    text = np.abs(caption_line - background).max(axis=2) > 60
    assert text.sum() > 200  # the caption was drawn (light on dark)
    assert text[:, 400:].sum() < text[:, :400].sum()  # from the left


def test_a_long_legend_wraps_and_is_cut_with_a_count(qapp, view_rgba):
    many = [(f"type {i}", (i / 40, 0.5, 1 - i / 40, 1.0)) for i in range(40)]
    wide = compose_picture(view_rgba, many[:2], "", 1)
    assert wide.height() == 300 + strip_height(1)
    narrow = compose_picture(view_rgba[:, :200], many, "", 1, max_entries=7)
    # 7 entries and "... 33 more" do not fit on one line 200 pixels wide, nor on seven
    assert 300 + strip_height(2) <= narrow.height() < 300 + strip_height(8)
    assert compose_picture(view_rgba, [], "", 2).height() == 300  # nothing to say: no strip


def test_bad_input_is_refused_with_its_shape(qapp):
    with pytest.raises(ValueError, match=r"was \(4, 4\)"):
        compose_picture(np.zeros((4, 4), np.uint8), LEGEND)


def test_names_and_captions_carry_the_simulated_time():
    assert default_file_name("C. elegans hermaphrodite (Cook et al. 2019)", 2436.0) == "c_elegans_hermaphrodite_t2.436s.png"
    assert default_file_name("celegans", 0.0) == "celegans.png"
    assert default_file_name("???", 10.0) == "brainview_t0.010s.png"
    assert picture_caption("celegans", 2436.0) == "celegans    t = 2.436 s"
    assert picture_caption("celegans", 0.0) == "celegans"
    assert default_file_name("celegans", 500.0, ".mp4") == "celegans_t0.500s.mp4"


def test_caption_lines_are_cut_with_an_ellipsis_never_wrapped(qapp, view_rgba):
    long = "silence " + ", ".join(f"type{i}" for i in range(60))
    picture = compose_picture(view_rgba, [], f"worm    t = 1.000 s\n{long}", 1)
    assert picture.height() == 300 + strip_height(2)  # two caption lines, the long one cut
    assert strip_lines([], long, 800) == 1


def test_a_frame_has_exactly_the_size_asked_with_the_strip_inside(qapp, view_rgba):
    asked = []

    def render(size):
        asked.append(size)
        return np.full((size[1], size[0], 4), (90, 90, 90, 255), np.uint8)

    caption = "worm    t = 0.500 s\nsilence AVA"
    frame = compose_frame(render, LEGEND, caption, (640, 400))
    strip = strip_height(3, frame_scale((640, 400)))  # a legend line and two caption lines
    assert frame.size().toTuple() == (640, 400) and asked == [(640, 400 - strip)]
    rgb = image_rgb(frame)
    assert rgb.shape == (400, 640, 3) and np.all(rgb[: 400 - strip] == 90)
    big = compose_frame(render, LEGEND, caption, (1920, 1200))  # a taller picture: a larger strip
    assert asked[-1] == (1920, 1200 - strip_height(3, 2.0)) and big.size().toTuple() == (1920, 1200)
    # a thumbnail keeps the view: first the legend goes, then the caption
    assert compose_frame(render, LEGEND, caption, (640, 200)).size().toTuple() == (640, 200)
    assert asked[-1] == (640, 200 - strip_height(2))
    assert compose_frame(render, LEGEND, caption, (64, 48)).size().toTuple() == (64, 48)
    assert asked[-1] == (64, 48)
    # a high-DPI screen draws twice the pixels asked (rounded): the frame keeps its size
    doubled = compose_frame(lambda size: render((2 * size[0] + 1, 2 * size[1])), [], "", (64, 48))
    assert doubled.size().toTuple() == (64, 48)


def test_the_interventions_in_force_are_named_for_the_caption():
    from types import SimpleNamespace

    experiment = SimpleNamespace(
        lesions={"a": SimpleNamespace(text="silence AVA")},
        stimuli={"b": SimpleNamespace(text="drive ALML 150 Hz", on=True),
                 "c": SimpleNamespace(text="drive PLML 150 Hz", on=False)},
    )
    assert interventions_now(experiment) == ["silence AVA", "drive ALML 150 Hz"]  # a stimulus switched off is not
