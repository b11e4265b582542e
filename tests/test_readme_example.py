"""The README's notebook example runs, and shows what it says it shows."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def notebook_example() -> str:
    """The first Python block of the README's "Notebook" section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Notebook\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert blocks, "the Notebook section of README.md has no ```python block"
    return blocks[0]


@pytest.fixture(scope="module")
def example() -> dict:
    namespace: dict = {}
    exec(compile(notebook_example(), str(README), "exec"), namespace)  # noqa: S102 - our own README
    return namespace


def test_the_example_is_notebook_sized():
    lines = [line for line in notebook_example().splitlines() if line.strip()]
    assert 10 <= len(lines) <= 20


def test_silenced_steering_cells_stop_firing_at_500_ms(example):
    rates = example["rates"].to_pandas()
    assert rates.index.tolist() == [0.0, 500.0]
    assert rates.loc[0.0, "steering"] > 5.0  # the sensory drive reaches them before the lesion
    assert rates.loc[500.0, "steering"] == 0.0
    assert rates.loc[500.0, "sensory"] > 100.0  # the driven neurons keep firing


def test_the_spike_table_agrees_with_the_rates(example):
    spikes, steering, sim = example["spikes"], example["steering"], example["sim"]
    assert list(spikes.columns) == ["time_ms", "step", "row", "id", "name", "cell_type"]
    after = spikes[spikes["time_ms"] >= 500.0]
    assert not steering[after["row"].to_numpy()].any()
    before = spikes[(spikes["time_ms"] < 500.0) & steering[spikes["row"].to_numpy()]]
    assert len(before) / steering.sum() / 0.5 == pytest.approx(example["rates"].to_pandas().loc[0.0, "steering"])
    assert sim.time_ms == pytest.approx(1000.0) and len(spikes) == len(sim.spikes)


def test_the_cell_table_is_the_worm(example):
    cells, worm = example["cells"], example["worm"]
    assert isinstance(cells, pd.DataFrame) and len(cells) == worm.n == 449
    assert np.array_equal(cells["subsystem"] == "steering", example["steering"])
