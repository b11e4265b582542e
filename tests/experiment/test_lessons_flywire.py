"""The fly lessons' selectors against the real FlyWire v783 annotations (skipped without them)."""

from __future__ import annotations

import numpy as np
import pytest

from brainview.connectome import Connectome, SynapseCSR
from brainview.connectome.selectors import resolve
from brainview.experiment.lessons import read_lesson
from brainview.resources import lesson_paths

FLY_LESSONS = ("flywire-1-sugar-feeding", "flywire-2-looming-escape")

SHIU_SUGAR_GRNS = (  # figures.ipynb of Shiu et al. 2024 (FlyWire v630 root ids)
    720575940624963786, 720575940630233916, 720575940637568838, 720575940638202345, 720575940617000768,
    720575940630797113, 720575940632889389, 720575940621754367, 720575940621502051, 720575940640649691,
    720575940639332736, 720575940616885538, 720575940639198653, 720575940620900446, 720575940617937543,
    720575940632425919, 720575940633143833, 720575940612670570, 720575940628853239, 720575940629176663,
    720575940611875570,
)
SHIU_MN9 = 720575940660219265
"""The MN9 Shiu et al.'s code reads out (a v783 id)."""


@pytest.fixture(scope="module")
def fly():
    from tests.conftest import shared_data_dir

    folder = shared_data_dir()
    if folder is None or not (folder / "flywire_v783").is_dir():
        pytest.skip("the FlyWire v783 annotations (../shared/data/flywire_v783) are not available")
    from brainview.connectome.io.codex import read_codex_annotations

    columns = read_codex_annotations(folder / "flywire_v783")
    n = len(columns["id"])
    return Connectome(columns, np.zeros((n, 3)), SynapseCSR.empty(n), None, {"name": "FlyWire v783"})


def lesson(stem):
    return read_lesson(next(p for p in lesson_paths() if p.stem == stem))


@pytest.mark.parametrize("stem", FLY_LESSONS)
def test_every_selector_of_the_fly_lessons_matches_real_cells(fly, stem):
    assert lesson(stem).missing_in(fly) == []
    for selector in lesson(stem).selectors():
        assert resolve(fly, selector).size > 0, selector


def test_the_sugar_lesson_names_shiu_et_als_cells(fly):
    ids = lambda selector: set(fly.ids[resolve(fly, selector)].tolist())  # noqa: E731
    mn9 = resolve(fly, "type:CB0701")  # MN9 is FlyWire type CB0701, one cell a side
    assert SHIU_MN9 in ids("type:CB0701") and sorted(fly["side"].take(mn9).to_strings()) == ["left", "right"]
    sugar = ids("type:LB3")
    assert len(set(SHIU_SUGAR_GRNS) & sugar) == 20  # one of the 21 v630 ids is not in v783
    assert set(fly["cell_class"].take(resolve(fly, "type:LB3")).to_strings()) == {"gustatory"}
    bitter = resolve(fly, "type:LB1a,LB1b")
    assert set(fly["cell_class"].take(bitter).to_strings()) == {"gustatory"} and bitter.size == 42


def test_the_looming_lesson_names_the_giant_fibre_and_its_inputs(fly):
    assert resolve(fly, "type:DNp01").size == 2
    assert set(fly["super_class"].take(resolve(fly, "type:DNp01")).to_strings()) == {"descending"}
    assert resolve(fly, "type:LC4").size > 50 and resolve(fly, "type:LPLC2").size > 50
    assert set(fly["super_class"].take(resolve(fly, "type:LC4,LPLC2")).to_strings()) == {"visual_projection"}


def test_the_worm_lessons_do_not_fit_the_fly(fly):
    assert lesson("celegans-1-touch-escape").missing_in(fly)
    assert lesson("celegans-2-posterior-touch").missing_in(fly)
