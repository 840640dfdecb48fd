"""The recsys-lab command and the doctor's checks."""

from __future__ import annotations

import pytest

from recsys_lab import env
from recsys_lab.cli import main

from .conftest import MIRROR, mirror_has


def test_download_unknown_name_fails_before_anything(tmp_path, capsys):
    assert main(["download", "ml-100k", "ml-nope", "--data-home", str(tmp_path)]) == 2
    assert "unknown MovieLens release 'ml-nope'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_download_from_the_mirror_prefetches_into_the_cache(tmp_path, capsys):
    if not mirror_has("ml-latest-small"):
        pytest.skip("needs ml-latest-small.zip in RECSYS_LAB_MIRROR")
    assert main(["download", "ml-latest-small", "--data-home", str(tmp_path), "--quiet"]) == 0
    assert "ml-latest-small: ready in" in capsys.readouterr().out
    assert (tmp_path / "ml-latest-small" / "ratings.csv").is_file()
    assert main(["list", "--data-home", str(tmp_path)]) == 0
    assert "cached" in capsys.readouterr().out.split("ml-latest-small")[1].splitlines()[0]


def test_download_offline_reports_the_fix(tmp_path, monkeypatch, capsys):
    from recsys_lab import movielens

    monkeypatch.setattr(movielens, "GROUPLENS", "http://127.0.0.1:9/")
    monkeypatch.delenv("RECSYS_LAB_MIRROR", raising=False)
    assert main(["download", "ml-100k", "--data-home", str(tmp_path), "--quiet"]) == 1
    assert "recsys-lab download ml-100k" in capsys.readouterr().err


def test_doctor_without_tensorflow(capsys):
    code = main(["doctor", "--no-tensorflow"])
    out = capsys.readouterr().out
    assert "numpy" in out and "data cache" in out and "mirror" in out
    assert code == (1 if "[FAIL]" in out else 0)


def test_doctor_flags_a_broken_mirror_with_its_fix(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RECSYS_LAB_MIRROR", str(tmp_path / "missing"))
    assert main(["doctor", "--no-tensorflow"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] mirror" in out and "fix: point RECSYS_LAB_MIRROR" in out


def test_doctor_names_a_tampered_mirror_file(tmp_path, monkeypatch):
    (tmp_path / "ml-latest-small.zip").write_bytes(b"not the archive")
    monkeypatch.setenv("RECSYS_LAB_MIRROR", str(tmp_path))
    mirror = next(c for c in env.check_data() if c.name == "mirror")
    assert mirror.status == "fail" and "ml-latest-small.zip" in mirror.detail


def test_doctor_reports_the_real_mirror(monkeypatch):
    if not MIRROR:
        pytest.skip("RECSYS_LAB_MIRROR is not set")
    mirror = next(c for c in env.check_data() if c.name == "mirror")
    assert mirror.status == "ok"


def test_legacy_keras_is_flagged(monkeypatch):
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")
    checks = {c.name: c for c in env.check_deep_learning()}
    assert checks["keras"].status == "fail" and "unset TF_USE_LEGACY_KERAS" in checks["keras"].fix
    assert checks["tensorflow"].status == "ok"


def test_unwritable_cache_is_flagged(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("RECSYS_LAB_DATA", str(blocker / "cache"))
    cache = next(c for c in env.check_data() if c.name == "data cache")
    assert cache.status == "fail" and "RECSYS_LAB_DATA" in cache.fix


def test_version_parsing():
    assert env._as_tuple("2.16.0rc1") == (2, 16, 0)
    assert env._as_tuple("3.15.1") >= (3,)
