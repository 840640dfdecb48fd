"""ruff check and ruff format over the package, tests, scripts, benchmarks and notebooks (pyproject.toml).

The ruff version is pinned in pyproject.toml's test extra, as in .pre-commit-config.yaml: `ruff format <paths>`
(or the pre-commit hook) fixes what the format test reports.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# the code ruff keeps in one style (the markdown is not formatted by ruff)
PATHS = ("recsys_lab", "tests", "scripts", "benchmarks", "notebooks", "app")


def _ruff(*args: str) -> subprocess.CompletedProcess:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    return subprocess.run([ruff, *args, *PATHS], cwd=ROOT, capture_output=True, text=True)


def test_ruff_is_clean():
    result = _ruff("check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = _ruff("format", "--check")
    assert result.returncode == 0, (
        "run `ruff format " + " ".join(PATHS) + "`\n" + result.stdout + result.stderr
    )
