"""Trials on a real Dask cluster (a scheduler and two workers started as processes) match the local run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest

from brainview.comparison import run_comparison
from brainview.errors import ParameterError
from tests.comparison.conftest import relay_comparison

pytestmark = pytest.mark.slow


@pytest.fixture
def dask_cluster(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes, as the README starts them; yields the address."""
    dask = shutil.which("dask", path=os.path.dirname(sys.executable)) or shutil.which("dask")
    if dask is None:
        pytest.skip("the dask command is not installed")
    scheduler_file = tmp_path / "scheduler.json"
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
    processes = [subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            processes.append(subprocess.Popen(
                [dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tmp_path,
            ))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_a_remote_cluster_gives_the_results_of_a_serial_run(relay, dask_cluster, tmp_path):
    comparison = relay_comparison(relay)
    serial = run_comparison(comparison, scheduler="serial")
    remote = run_comparison(comparison, out=tmp_path / "remote", scheduler=dask_cluster)
    pd.testing.assert_frame_equal(remote.rates, serial.rates)
    pd.testing.assert_frame_equal(remote.summary, serial.summary)
    assert (tmp_path / "remote" / "summary.csv").exists()


def test_a_local_cluster_gives_the_results_of_a_serial_run(relay):
    comparison = relay_comparison(relay, trials=3)
    pd.testing.assert_frame_equal(
        run_comparison(comparison, scheduler="local", workers=2).rates,
        run_comparison(comparison, scheduler="serial").rates,
    )


def test_a_scheduler_that_does_not_answer_is_an_error_naming_it(relay):
    with pytest.raises(ParameterError, match="tcp://127.0.0.1:9"):
        run_comparison(relay_comparison(relay), scheduler="tcp://127.0.0.1:9")
