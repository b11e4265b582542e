"""Mutated comparison files and condition files: a comparison or a brainview error naming the file."""

from __future__ import annotations

from functools import lru_cache

from file_mutations import byte_edits, mutate_bytes, truncations
from hypothesis import HealthCheck, given, settings

from brainview.comparison import read_comparison, run_comparison
from brainview.comparison.design import Comparison
from brainview.comparison.results import read_condition
from brainview.errors import BrainviewError
from tests.comparison.conftest import relay_comparison, relay_network
from tests.comparison.test_files import TOUCH

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(edits=byte_edits, truncate=truncations)
def test_a_mutated_comparison_file_reads_or_is_an_error_naming_it(tmp_path_factory, edits, truncate):
    path = tmp_path_factory.mktemp("fuzz") / "touch.toml"
    path.write_bytes(mutate_bytes(TOUCH.encode(), edits, truncate))
    try:
        comparison = read_comparison(path)
    except BrainviewError as error:
        assert str(path) in str(error)
    else:
        assert isinstance(comparison, Comparison) and comparison.trials >= 2


@lru_cache(maxsize=1)
def condition_file() -> tuple[bytes, Comparison]:
    import tempfile
    from pathlib import Path

    comparison = relay_comparison(relay_network(), trials=2)
    out = Path(tempfile.mkdtemp())
    run_comparison(comparison, out=out, scheduler="serial")
    return sorted((out / "conditions").glob("*.h5"))[0].read_bytes(), comparison


@FUZZ
@given(edits=byte_edits, truncate=truncations)
def test_a_mutated_condition_file_reads_or_is_an_error_naming_it(tmp_path_factory, edits, truncate):
    data, comparison = condition_file()
    path = tmp_path_factory.mktemp("fuzz") / "control.h5"
    path.write_bytes(mutate_bytes(data, edits, truncate))
    try:
        result = read_condition(path, comparison)
    except BrainviewError as error:
        assert str(path) in str(error)
    else:
        assert result.rates_Hz.shape == (comparison.trials, len(comparison.readouts))


def test_the_unmutated_files_read(tmp_path):
    path = tmp_path / "touch.toml"
    path.write_text(TOUCH)
    assert read_comparison(path).trials == 4
    data, comparison = condition_file()
    (tmp_path / "c.h5").write_bytes(data)
    assert read_condition(tmp_path / "c.h5", comparison).spikes.shape == (2, 2)

