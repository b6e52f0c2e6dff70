"""Every script in bench/ runs at its smallest size and prints its figures: a benchmark that no longer
runs is found here, not on the day someone needs its numbers. The figures themselves are not asserted
(speed is measured, not asserted); only that each script finishes and prints what it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

# script and its smoke arguments -> lines its output must hold
SMOKE = {
    "startup.py": (["--runs", "2", "--warmups", "0"], [" run: bookctl / bare typer = ", "help: bookctl / bare typer = "]),
    "scale.py": (["--quick"], ["checkin large / small = ", "peak RSS large / small"]),
    "export.py": (["--quick"], ["csv: peak RSS large / small", "ics: peak RSS large / small"]),
    "contacts.py": (["--quick"], ["list --label", "a shown contact's bookings live in"]),
    "peer.py": (["--quick"], ["goals:", "session checkin at 5000 / at 200 = ", "start-up run: "]),
    "crash_soak.py": (["--trials", "3"], ["3 trials in ", "0 with problems"]),
}


@pytest.mark.parametrize("script", list(SMOKE))
def test_bench_script_runs_and_prints_its_figures(script, tmp_path):
    args, expected = SMOKE[script]
    done = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    for line in expected:
        assert line in done.stdout, f"{script} did not print {line!r}:\n{done.stdout[-2000:]}"
