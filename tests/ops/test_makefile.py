"""The Makefile's choice of the venv's interpreter: the distribution's optimized build first,
then what PATH has (the Makefile's PYTHON_CANDIDATES; README, "ninth pass")."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTION_PYTHON = "/usr/bin/python3.11"
# A second makefile, read from standard input, that prints what the first one chose.
SHOW = 'show:\n\t@echo "$(PYTHON)"\n'


def _make(*arguments: str, stdin: str = "") -> subprocess.CompletedProcess:
    # PYTHON in the environment would override the choice under test.
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHON", "PYTHON_CANDIDATES")}
    return subprocess.run(
        ["make", "--no-print-directory", *arguments],
        cwd=ROOT,
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _chosen(*overrides: str) -> str:
    result = _make("-f", "Makefile", "-f", "-", "show", *overrides, stdin=SHOW)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _makes_venvs(python: str) -> bool:
    probe = [python, "-c", "import ensurepip, sys, venv; assert sys.version_info >= (3, 11)"]
    return Path(python).exists() and subprocess.run(probe, capture_output=True).returncode == 0


@pytest.mark.skipif(not _makes_venvs(DISTRIBUTION_PYTHON), reason="no distribution Python 3.11 here")
def test_the_distributions_python_is_chosen_before_the_one_on_path():
    assert _chosen() == DISTRIBUTION_PYTHON


def test_a_missing_or_unfit_candidate_is_passed_over(tmp_path):
    # A "python" that fails the probe, as one without ensurepip or older than 3.11 does.
    unfit = tmp_path / "python3.10"
    unfit.write_text("#!/bin/sh\nexit 1\n")
    unfit.chmod(0o755)

    chosen = _chosen(f"PYTHON_CANDIDATES=/nonexistent/python3.11 {unfit} {sys.executable}")

    assert chosen == sys.executable


def test_without_a_fit_candidate_the_venv_is_not_made_and_make_says_why(tmp_path):
    venv = tmp_path / "venv"

    result = _make(f"VENV={venv}", "PYTHON_CANDIDATES=/nonexistent/python3.11", f"{venv}/bin/python")

    assert result.returncode != 0
    assert "no Python 3.11 that can make a venv" in result.stdout + result.stderr
    assert not venv.exists()
