"""Save picture's and Record movie's dialog, and the interventions a movie's captions name, without OpenGL."""

import math
from pathlib import Path

from brainview.experiment.model import CellSet, LesionEntry, LogRecord, StimulusEntry
from brainview.render.movie_frames import in_force
from brainview.ui.movie import log_interventions
from brainview.ui.output_dialog import OutputDialog, size_presets


def test_the_presets_offer_the_view_first_then_video_sizes():
    presets = size_presets((901, 600), 2)
    assert presets[:2] == [("2 x the view (1802 x 1200)", (1802, 1200)), ("The view (901 x 600)", (901, 600))]
    assert ("1920 x 1080 (full HD)", (1920, 1080)) in presets
    assert size_presets((901, 600), 1)[0] == ("The view (901 x 600)", (901, 600))


def test_the_dialog_gives_the_file_size_and_rate_chosen(qtbot, tmp_path):
    dialog = OutputDialog(None, "Record movie", tmp_path / "worm.mp4", "MP4 (*.mp4)", size_presets((901, 601), 1),
                          fps=30.0, even=True)
    qtbot.addWidget(dialog)
    assert dialog.chosen() == (tmp_path / "worm.mp4", (900, 600), 30.0)  # H.264 needs even sizes
    dialog.presets.setCurrentIndex(dialog.presets.findText("1280 x 720 (HD)"))
    dialog.fps_box.setValue(15)
    assert dialog.chosen()[1:] == ((1280, 720), 15.0)
    dialog.width_box.setValue(333)  # any other size: the spin boxes
    assert dialog.chosen()[1] == (332, 720)
    picture = OutputDialog(None, "Save picture", Path("shot.png"), "PNG (*.png)", size_presets((901, 601), 2))
    qtbot.addWidget(picture)
    assert picture.fps_box is None and picture.chosen() == (Path("shot.png"), (1802, 1202), None)


def test_a_movie_names_the_lesions_and_stimuli_of_the_log_at_each_moment(worm_session):
    worm = worm_session.connectome
    ava = CellSet("type:AVA", "AVA", worm.select(cell_type="AVA"))
    touch = CellSet("name:ALML", "ALML", [worm.index_of("ALML")])
    log = [
        LogRecord(0, "stimulus", touch.key, StimulusEntry(touch, 150.0)),
        LogRecord(4000, "lesion", ava.key, LesionEntry(ava, "silence")),
        LogRecord(6000, "stimulus", touch.key, StimulusEntry(touch, 150.0, on=False)),  # switched off
        LogRecord(8000, "lesion", ava.key, None),  # lifted
    ]
    spans = log_interventions(log, dt_ms=0.1)
    assert in_force(spans, 100.0) == ["drive ALML 150 Hz"]
    assert in_force(spans, 500.0) == ["drive ALML 150 Hz", "silence AVA"]
    assert in_force(spans, 700.0) == ["silence AVA"]
    assert in_force(spans, 900.0) == []
    assert all(span.stop_ms < math.inf for span in spans)
