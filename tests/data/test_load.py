"""load_dataset, the notebooks' one entry point: the seeded synthetic world, a release through the mirror, and the
fallback to the synthetic world when a release cannot be had here (said out loud; corrupt data never hidden)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pandas as pd
import pytest

from recsys_lab.data import releases, synthetic
from recsys_lab.data.load import DATASETS, load_dataset
from recsys_lab.data.releases import CorruptDataError, DataUnavailableError

from ..helpers import mirror_has


@pytest.fixture
def small_world(monkeypatch):
    """make_synthetic, shrunk to a small world, recording the seed each call asks for."""
    seeds = []
    real = synthetic.make_synthetic

    def small(*, seed):
        seeds.append(seed)
        return real(num_users=30, num_items=40, num_ratings=300, poster_size=None, seed=seed)

    monkeypatch.setattr(synthetic, "make_synthetic", small)
    return seeds


@pytest.fixture
def offline(monkeypatch):
    """No network (GroupLens points at a port nobody listens on) and no mirror."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(releases, "GROUPLENS", f"http://127.0.0.1:{port}/")
    monkeypatch.delenv(releases.MIRROR_ENV, raising=False)


def test_the_choices_are_the_synthetic_world_and_every_release():
    assert DATASETS == ("synthetic", *releases.RELEASES)
    assert DATASETS[:3] == ("synthetic", "ml-100k", "ml-latest-small")


def test_synthetic_is_the_seeded_world_and_says_so(capsys):
    ds = load_dataset("synthetic", seed=3)
    expected = synthetic.make_synthetic(seed=3)  # the default, ml-100k-sized world
    pd.testing.assert_frame_equal(ds.ratings, expected.ratings)
    assert ds.source == expected.source and "seed=3" in ds.source
    assert capsys.readouterr().out == f"Loaded {ds!r}\n"


def test_verbose_false_prints_nothing(small_world, capsys):
    load_dataset("synthetic", seed=4, verbose=False)
    assert small_world == [4] and capsys.readouterr().out == ""


def test_an_unknown_name_lists_the_choices(small_world, capsys):
    with pytest.raises(
        ValueError, match=r"unknown dataset 'ml-5k'; choose one of synthetic, ml-100k, ml-latest-small"
    ):
        load_dataset("ml-5k")
    assert small_world == [] and capsys.readouterr().out == ""


def test_an_unavailable_release_falls_back_to_the_synthetic_world_and_says_why(
    tmp_path, offline, small_world, capsys
):
    ds = load_dataset("ml-100k", seed=7, data_home=tmp_path)
    assert small_world == [7] and ds.name == "synthetic"  # the fallback uses the same seed
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "NOTE: ml-100k is not available here, so this notebook uses the synthetic world instead."
    assert (
        out[1].startswith("      Why: could not download ml-100k") and "recsys-lab download ml-100k" in out[1]
    )
    assert out[-1] == f"Loaded {ds!r}"


def test_without_a_fallback_the_error_is_raised(tmp_path, offline, small_world, capsys):
    with pytest.raises(DataUnavailableError, match="recsys-lab download ml-latest-small"):
        load_dataset("ml-latest-small", data_home=tmp_path, fallback=None)
    assert small_world == [] and capsys.readouterr().out == ""


def test_corrupt_data_is_an_error_even_with_the_fallback(tmp_path, monkeypatch, small_world):
    (tmp_path / "mirror" / "ml-1m").mkdir(parents=True)  # a folder no checksum pins: it cannot be verified
    monkeypatch.setenv(releases.MIRROR_ENV, str(tmp_path / "mirror"))
    with pytest.raises(CorruptDataError, match="cannot be verified"):
        load_dataset("ml-1m", data_home=tmp_path / "cache")
    assert small_world == []


def test_a_release_comes_from_the_mirror(tmp_path, small_world, capsys):
    if not mirror_has("ml-100k"):
        pytest.skip("needs ml-100k in RECSYS_LAB_MIRROR")
    ds = load_dataset("ml-100k", data_home=tmp_path)
    assert (ds.name, ds.num_ratings, ds.num_users, ds.num_items) == ("ml-100k", 100_000, 943, 1_682)
    assert ds.source.startswith("mirror") and small_world == []
    assert capsys.readouterr().out == f"Loaded {ds!r}\n"


def test_without_data_the_note_comes_first_and_nothing_goes_to_stderr(tmp_path):
    """A learner's kernel with no mirror, an empty cache and no network: one clean note, no red pooch log line."""
    dead = "http://127.0.0.1:9"  # a port nobody listens on: every download fails at once
    env = {
        k: v for k, v in os.environ.items() if k != releases.MIRROR_ENV and not k.lower().endswith("_proxy")
    }
    env |= {"RECSYS_LAB_DATA": str(tmp_path), "HTTPS_PROXY": dead, "HTTP_PROXY": dead}
    code = "from recsys_lab.data.load import load_dataset; load_dataset('ml-100k', seed=1)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.startswith("NOTE: ml-100k is not available here"), done.stdout
