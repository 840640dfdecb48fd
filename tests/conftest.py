"""Shared fixtures: real MovieLens through the offline mirror when one is set, else the synthetic world.

CI sets RECSYS_LAB_MIRROR to ../shared/movielens; tests that need a specific release skip with the reason
when it is absent (the skip is listed in the summary, never silent), and tests that only need *some*
realistic data use `dataset`, which falls back to the synthetic world and says so in the report header.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

MIRROR = os.environ.get("RECSYS_LAB_MIRROR")


def mirror_has(name: str) -> bool:
    if not MIRROR:
        return False
    root = Path(MIRROR)
    return (root / name).is_dir() or (root / f"{name}.zip").is_file()


def pytest_report_header(config):
    if not MIRROR:
        return [
            "recsys-lab data: RECSYS_LAB_MIRROR is not set: real-data tests are skipped and the "
            "notebooks run on the synthetic world"
        ]
    from recsys_lab.movielens import load_movielens

    ds = load_movielens("ml-100k")
    return [f"recsys-lab data: {ds!r}"]


@pytest.fixture(scope="session")
def ml100k():
    if not mirror_has("ml-100k"):
        pytest.skip("needs ml-100k: set RECSYS_LAB_MIRROR to a folder holding ml-100k/ or ml-100k.zip")
    from recsys_lab.movielens import load_movielens

    return load_movielens("ml-100k")


@pytest.fixture(scope="session")
def ml_latest_small(tmp_path_factory):
    if not mirror_has("ml-latest-small"):
        pytest.skip("needs ml-latest-small: set RECSYS_LAB_MIRROR to a folder holding ml-latest-small.zip")
    from recsys_lab.movielens import load_movielens

    return load_movielens("ml-latest-small", data_home=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def dataset():
    """ml-100k when the mirror has it, else the synthetic world (same shape, known truth)."""
    if mirror_has("ml-100k"):
        from recsys_lab.movielens import load_movielens

        return load_movielens("ml-100k")
    from recsys_lab.synthetic import make_synthetic

    return make_synthetic(seed=0)


@pytest.fixture(autouse=True)
def _plotly_prints_instead_of_opening_a_browser(monkeypatch):
    """Outside a kernel, fig.show() would try a web browser; in tests it prints the figure's JSON instead."""
    import plotly.io as pio

    monkeypatch.setattr(pio.renderers, "default", "json")
