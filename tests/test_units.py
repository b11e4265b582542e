"""Numbers with units as people type them (brainview.units), shared by the CLI and the engine."""

import pytest

from brainview import units
from brainview.cli import simulate
from brainview.errors import ParameterError


@pytest.mark.parametrize(("text", "ms"), [
    ("1s", 1000.0), ("0.5 s", 500.0), ("250ms", 250.0), (" 500 ms ", 500.0), ("0.1ms", 0.1), ("50us", 0.05),
    ("50µs", 0.05), ("1e3ms", 1000.0), (".5s", 500.0),
])
def test_durations_in_every_unit(text, ms):
    assert units.parse_duration_ms(text) == pytest.approx(ms)


@pytest.mark.parametrize("text", ["500", "5 min", "ms", "1,5 s", "", 500])
def test_a_duration_needs_a_number_and_a_unit(text):
    with pytest.raises(ParameterError, match="is not a time: write a number and a unit"):
        units.parse_duration_ms(text, "--bin")


def test_numbers_with_an_optional_unit():
    assert units.parse_number("150Hz", "Hz", "rate") == 150.0 and units.parse_number(" 2.5 ", "mV", "x") == 2.5
    with pytest.raises(ParameterError, match="rate: 'fast' is not a number of Hz"):
        units.parse_number("fast", "Hz", "rate")


def test_the_command_line_reads_durations_with_the_same_parser():
    assert simulate.parse_duration_ms is units.parse_duration_ms
    assert simulate.parse_number is units.parse_number
