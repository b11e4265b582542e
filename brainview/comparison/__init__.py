"""Lesion experiments that answer a question: control against lesions over trials, with statistics.

- :mod:`~brainview.comparison.design`: :class:`Comparison` and its parts, as plain data;
- :mod:`~brainview.comparison.screen`: one condition per label of a column (a lesion screen);
- :mod:`~brainview.comparison.files`: comparisons as experiment files (TOML with ``[design]``);
- :mod:`~brainview.comparison.trials`: one trial of one condition, a task for any worker;
- :mod:`~brainview.comparison.execute`: every trial, here or on a Dask cluster, resumable;
- :mod:`~brainview.comparison.stats`: differences, bootstrap intervals, effect sizes, p and q;
- :mod:`~brainview.comparison.results`, :mod:`~brainview.comparison.report`,
  :mod:`~brainview.comparison.plots`: the results folder, its tables, figures and report.

Example (a notebook)::

    from brainview.comparison import read_comparison, run_comparison
    result = run_comparison(read_comparison("touch.toml"), out="touch/")
    result.summary      # a pandas DataFrame: one row per readout and lesion condition
"""

from brainview.comparison.design import CONTROL, Comparison, Condition, Drive, Lesion, trial_stream
from brainview.comparison.execute import ComparisonResult, run_comparison
from brainview.comparison.files import read_comparison, write_comparison
from brainview.comparison.screen import silence_each

__all__ = [
    "CONTROL", "Comparison", "ComparisonResult", "Condition", "Drive", "Lesion", "read_comparison",
    "run_comparison", "silence_each", "trial_stream", "write_comparison",
]
