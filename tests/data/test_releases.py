"""The registry of MovieLens releases: every release listed, pinned where it must be, unknown names refused."""

from __future__ import annotations

import dataclasses
import doctest

import pytest

from recsys_lab.data import releases
from recsys_lab.data.movielens import load_movielens
from recsys_lab.data.releases import Release, get_release


def test_unknown_release_lists_the_known_ones():
    with pytest.raises(ValueError, match="ml-100k, ml-latest-small, ml-1m.*ml-32m"):
        load_movielens("ml-5k")


def test_registry_is_complete():
    assert list(releases.RELEASES) == [
        "ml-100k",
        "ml-latest-small",
        "ml-1m",
        "ml-10m",
        "ml-20m",
        "ml-25m",
        "ml-32m",
    ]
    for release in releases.RELEASES.values():
        assert release.url == f"https://files.grouplens.org/datasets/movielens/{release.name}.zip"
        assert len(release.md5) == 32 and int(release.md5, 16) >= 0
    assert releases.RELEASES["ml-100k"].pinned and releases.RELEASES["ml-latest-small"].pinned


def test_the_docstring_examples_run():
    result = doctest.testmod(releases)
    assert result.attempted == 2 and result.failed == 0


def test_get_release_returns_the_entry_or_names_the_known_ones():
    assert get_release("ml-latest-small") is releases.RELEASES["ml-latest-small"]
    assert get_release("ml-10m").folder == "ml-10M100K"  # the archive's folder differs from its name
    for bad in ("ml-5k", None, ["ml-100k"]):
        with pytest.raises(
            ValueError, match=r"unknown MovieLens release .*known releases: ml-100k, .*make_synthetic"
        ):
            get_release(bad)


def test_each_release_names_its_parser_its_files_and_its_scale():
    layouts = {name: r.layout for name, r in releases.RELEASES.items()}
    assert layouts == {"ml-100k": "100k", "ml-latest-small": "csv", "ml-1m": "dat", "ml-10m": "dat",
                       "ml-20m": "csv", "ml-25m": "csv", "ml-32m": "csv"}  # fmt: skip
    for release in releases.RELEASES.values():
        assert {"dat": "ratings.dat", "csv": "ratings.csv", "100k": "u.data"}[release.layout] in release.files
        low, high = release.rating_scale
        assert low in (0.5, 1.0) and high == 5.0 and release.approx_mb > 0
    pinned = [name for name, r in releases.RELEASES.items() if r.pinned]
    assert pinned == ["ml-100k", "ml-latest-small"]
    for name in pinned:  # a pinned release has a sha256 (64 hex digits) for every file
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in releases.RELEASES[name].files.values())


def test_pinned_means_every_file_has_a_hash_and_the_url_follows_grouplens(monkeypatch):
    half = Release(
        "ml-x", "ml-x", "0" * 32, 1.0, "csv", {"ratings.csv": "a" * 64, "movies.csv": None}, (1, 5)
    )
    assert not half.pinned and Release(**{**half.__dict__, "files": {"ratings.csv": "a" * 64}}).pinned
    monkeypatch.setattr(releases, "GROUPLENS", "http://127.0.0.1:9/")
    assert (
        half.url == "http://127.0.0.1:9/ml-x.zip"
    )  # read when asked: tests and mirrors can point it elsewhere
    with pytest.raises(dataclasses.FrozenInstanceError):
        half.name = "ml-y"
