"""scripts/offline_lab.py: its arguments, the commands it would run, and its errors (no network, no pip)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import offline_lab

ROOT = Path(__file__).resolve().parents[1]


def test_parser_defaults():
    args = offline_lab.build_parser().parse_args(["prepare", "/tmp/lab"])
    assert args.datasets == ["ml-100k", "ml-latest-small"] and args.mirror is None
    args = offline_lab.build_parser().parse_args(["check", "/tmp/lab"])
    assert args.notebook == "01_data_tour.ipynb" and args.isolate == "auto" and args.keep_venv is None
    with pytest.raises(SystemExit):
        offline_lab.build_parser().parse_args([])


def test_prepare_plan_builds_every_wheel_then_fetches_and_verifies_offline(tmp_path):
    build, fetch, verify = offline_lab.plan_prepare(tmp_path, "py", ("ml-100k",), Path("/mirror"))
    assert build.argv[:3] == ["py", "-m", "pip"] and "wheel" in build.argv
    # the kit from this checkout with the lab's extras, and what check runs the notebook with
    assert build.argv[-3:] == [f"{ROOT}[cpu,lab]", "pytest", "nbval"]
    assert build.argv[build.argv.index("--wheel-dir") + 1] == str(tmp_path / "wheelhouse")
    assert fetch.argv[-1] == "ml-100k" and "download" in fetch.argv
    assert fetch.env == {"RECSYS_LAB_DATA": str(tmp_path / "data"), "RECSYS_LAB_MIRROR": "/mirror"}
    # the check of the prepared data: DIR/data as the mirror, an empty cache, downloads blocked
    assert verify.env["RECSYS_LAB_MIRROR"] == str(tmp_path / "data")
    assert verify.env["RECSYS_LAB_DATA"] == "{scratch}/cache"
    assert verify.env["HTTPS_PROXY"] == offline_lab.DEAD_PROXY
    _, fetch, _ = offline_lab.plan_prepare(tmp_path, "py", ("ml-100k",), None)
    assert fetch.env["RECSYS_LAB_MIRROR"] == ""  # no mirror: download from GroupLens


def test_check_plan_installs_from_the_wheelhouse_only(tmp_path):
    venv, scratch, notebook = tmp_path / "venv", tmp_path / "scratch", tmp_path / "nb" / "01.ipynb"
    steps = offline_lab.plan_check(tmp_path, "py", venv, notebook, scratch, ("ml-100k",))
    assert [s.argv[:3] for s in steps[:1]] == [["py", "-m", "venv"]]
    install = steps[1].argv
    assert "--no-index" in install and install[install.index("--find-links") + 1] == str(
        tmp_path / "wheelhouse"
    )
    assert install[-3:] == ["recsys-lab[cpu,lab]", "pytest", "nbval"] and install[0].startswith(str(venv))
    doctor, load, run = steps[2], steps[3], steps[4]
    assert doctor.argv[-1] == "doctor" and doctor.env["RECSYS_LAB_MIRROR"] == str(tmp_path / "data")
    assert doctor.env["RECSYS_LAB_DATA"] == str(scratch / "cache")  # empty: nothing from a user's cache
    assert load.argv[-2:] == [str(tmp_path / "data"), "ml-100k"] and load.env == doctor.env
    assert run.argv[1:3] == ["-m", "pytest"] and "--nbval-lax" in run.argv and run.argv[-1] == str(notebook)
    assert run.env["JUPYTER_DATA_DIR"].startswith(str(scratch))
    assert run.env["PATH"].startswith(str(venv))


def test_the_load_step_fails_unless_the_data_came_from_the_folder(tmp_path):
    """The snippet the load step runs, run here against a fake recsys_lab.data.movielens."""
    fake = tmp_path / "fake" / "recsys_lab"
    (fake / "data").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "data" / "__init__.py").write_text("")
    (fake / "data" / "movielens.py").write_text(
        "class D:\n    source = 'mirror /lab/data/ml-100k (sha256 verified)'\n"
        "def load_movielens(name, progress):\n    return D()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "fake")}  # run from tmp_path: the fake is found first

    def load(folder: str) -> subprocess.CompletedProcess:
        argv = [sys.executable, "-c", offline_lab.LOAD, folder, "ml-100k"]
        return subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True)

    assert load("/lab/data").returncode == 0
    bad = load("/usb/data")
    assert bad.returncode == 1 and "not from /usb/data" in bad.stderr


def test_offline_env_blocks_indexes_config_and_http():
    env = offline_lab._offline_env()
    assert env["PIP_NO_INDEX"] == "1" and env["PIP_CONFIG_FILE"] == os.devnull
    assert env["http_proxy"] == env["HTTPS_PROXY"] == offline_lab.DEAD_PROXY
    assert "127.0.0.1" in env["NO_PROXY"]  # the notebook's kernel talks over loopback


def test_run_step_drops_inherited_pip_settings_when_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("PIP_FIND_LINKS", "/somewhere/else")
    out = tmp_path / "env.json"
    code = f"import json, os; json.dump(dict(os.environ), open({str(out)!r}, 'w'))"
    step = offline_lab.Step("dump env", [sys.executable, "-c", code], offline_lab._offline_env())
    offline_lab.run_step(step, tmp_path)
    env = json.loads(out.read_text())
    assert "PIP_FIND_LINKS" not in env and env["PIP_NO_INDEX"] == "1"


def test_a_failing_step_says_which_and_how(tmp_path):
    step = offline_lab.Step("a step that fails", [sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(offline_lab.OfflineLabError, match=r"a step that fails failed \(exit status 3\)"):
        offline_lab.run_step(step, tmp_path)
    with pytest.raises(offline_lab.OfflineLabError, match="cannot run"):
        offline_lab.run_step(offline_lab.Step("missing", [str(tmp_path / "no-such-program")]), tmp_path)


def test_check_without_a_wheelhouse_says_to_prepare_first(tmp_path, capsys):
    assert offline_lab.main(["check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"no wheelhouse folder {tmp_path / 'wheelhouse'}" in err
    assert f"offline_lab.py prepare {tmp_path}` on a machine with internet first" in err


def test_layout_needs_the_kits_wheel_and_the_data(tmp_path):
    (tmp_path / "wheelhouse").mkdir()
    (tmp_path / "wheelhouse" / "numpy-2.0-cp311-none-any.whl").touch()
    with pytest.raises(offline_lab.OfflineLabError, match=r"no recsys_lab-\*\.whl"):
        offline_lab.check_layout(tmp_path)
    (tmp_path / "wheelhouse" / "recsys_lab-0.1.0-py3-none-any.whl").touch()
    with pytest.raises(offline_lab.OfflineLabError, match="no data folder"):
        offline_lab.check_layout(tmp_path)
    (tmp_path / "data").mkdir()
    assert offline_lab.check_layout(tmp_path).name == "recsys_lab-0.1.0-py3-none-any.whl"


def test_prepare_refuses_a_folder_inside_the_repository(capsys):
    assert offline_lab.main(["prepare", str(ROOT / "offline")]) == 1
    assert "inside the repository" in capsys.readouterr().err
    assert not (ROOT / "offline").exists()


def test_prepare_refuses_unknown_or_unverifiable_releases_before_anything(tmp_path, capsys):
    assert offline_lab.main(["prepare", str(tmp_path / "lab"), "--datasets", "ml-nope"]) == 1
    assert "unknown MovieLens release 'ml-nope'" in capsys.readouterr().err
    assert offline_lab.main(["prepare", str(tmp_path / "lab"), "--datasets", "ml-1m"]) == 1
    assert "put the official ml-1m.zip" in capsys.readouterr().err
    assert not (tmp_path / "lab").exists()


def test_copy_from_mirror_copies_extracted_folders_once(tmp_path):
    mirror, data = tmp_path / "mirror", tmp_path / "data"
    (mirror / "ml-100k").mkdir(parents=True)
    (mirror / "ml-100k" / "u.data").write_text("1\t1\t5\t0\n")
    (mirror / "ml-latest-small.zip").write_bytes(b"an archive: left to `recsys-lab download`")
    data.mkdir()
    assert offline_lab.copy_from_mirror(mirror, data, ("ml-100k", "ml-latest-small")) == ["ml-100k"]
    assert (data / "ml-100k" / "u.data").read_text() == "1\t1\t5\t0\n"
    assert offline_lab.copy_from_mirror(mirror, data, ("ml-100k",)) == []
