"""The recsys-lab command: download, list, doctor and student, with their exit codes and messages."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys

import nbformat
import pytest

import recsys_lab
from recsys_lab.course.cli import main
from recsys_lab.course.student import BEGIN, strip_solutions, student_version

from ..helpers import CHAPTERS, ROOT, exercise_cells, mirror_has


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


def _offline(monkeypatch):
    """Downloads fail at once: GroupLens is a local port nobody listens on."""
    from recsys_lab.data import releases

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(releases, "GROUPLENS", f"http://127.0.0.1:{port}/")


def test_download_offline_reports_the_fix(tmp_path, monkeypatch, capsys):
    _offline(monkeypatch)
    monkeypatch.delenv("RECSYS_LAB_MIRROR", raising=False)
    assert main(["download", "ml-100k", "--data-home", str(tmp_path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "error: could not download ml-100k" in err and "no mirror is set (RECSYS_LAB_MIRROR)" in err
    assert "recsys-lab download ml-100k" in err and "a folder holding ml-100k.zip" in err


def test_download_offline_says_what_the_mirror_holds_and_lacks(tmp_path, monkeypatch, capsys):
    _offline(monkeypatch)
    mirror = tmp_path / "mirror"
    (mirror / "ml-100k").mkdir(parents=True)
    (mirror / "ml-latest-small.zip").write_bytes(b"only listed: never read for ml-1m")
    monkeypatch.setenv("RECSYS_LAB_MIRROR", str(mirror))
    assert main(["download", "ml-1m", "--data-home", str(tmp_path / "cache"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "no mirror is set" not in err
    assert f"RECSYS_LAB_MIRROR={mirror} has no ml-1m (it holds ml-100k/, ml-latest-small.zip)" in err
    assert f"copy the official ml-1m.zip into {mirror}" in err
    assert "on a connected machine run `recsys-lab download ml-1m` and copy" in err
    assert sorted(p.name for p in mirror.iterdir()) == ["ml-100k", "ml-latest-small.zip"]  # only read


def test_list_shows_the_cache_and_the_mirror(tmp_path, monkeypatch, capsys):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "ml-latest-small.zip").write_bytes(b"not the archive: listing does not hash")
    monkeypatch.setenv("RECSYS_LAB_MIRROR", str(mirror))
    assert main(["list", "--data-home", str(tmp_path / "cache")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"cache:  {tmp_path / 'cache'}" and lines[1].startswith(f"mirror: {mirror} ")
    assert lines[2].split() == ["release", "size", "ratings", "cache", "mirror"]
    rows = {line.split()[0]: line.split()[4:] for line in lines[3:]}
    assert set(rows) == set(recsys_lab.RELEASES)
    assert rows["ml-latest-small"] == ["-", "zip"] and rows["ml-100k"] == ["-", "-"]
    (mirror / "ml-100k").mkdir()
    (mirror / "ml-1m").mkdir()  # no pinned hashes: loading refuses it, and the list says so
    main(["list", "--data-home", str(tmp_path / "cache")])
    rows = {line.split()[0]: line.split(None, 5)[5] for line in capsys.readouterr().out.splitlines()[3:]}
    assert rows["ml-100k"] == "folder" and rows["ml-1m"] == "folder (unverifiable: use ml-1m.zip)"
    monkeypatch.delenv("RECSYS_LAB_MIRROR")
    assert main(["list", "--data-home", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1] == "mirror: not set (RECSYS_LAB_MIRROR)"
    assert all(line.split()[-2:] == ["-", "-"] for line in out.splitlines()[3:])


def test_version_and_usage_errors(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"recsys-lab {recsys_lab.__version__}\n"
    for argv in ([], ["frobnicate"], ["download"]):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2 and "usage: recsys-lab" in capsys.readouterr().err


def test_python_dash_m_runs_the_command_without_importing_tensorflow():
    done = subprocess.run(
        [sys.executable, "-m", "recsys_lab", "--version"], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"recsys-lab {recsys_lab.__version__}\n", "")
    code = "import sys, recsys_lab.__main__; print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


@pytest.mark.slow
def test_doctor_command_prints_no_tensorflow_log_noise(tmp_path):
    """TensorFlow's start-up lines (absl, oneDNN) are kept off stderr unless the user set those variables."""
    quiet = ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "RECSYS_LAB_MIRROR")
    env = {k: v for k, v in os.environ.items() if k not in quiet} | {"RECSYS_LAB_DATA": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "recsys_lab", "doctor"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode in (0, 1) and "[ok  ] tensorflow" in done.stdout, done.stderr
    noisy = [line for line in done.stderr.splitlines() if "oneDNN" in line or "absl" in line]
    assert noisy == [], done.stderr


def controlled_doctor(monkeypatch, tmp_path, versions: dict) -> None:
    """The doctor sees `versions` installed, fixed floors, an empty cache in tmp_path and no mirror."""
    from recsys_lab.course import doctor

    floors = {
        "numpy": "1.25",
        "pandas": "2.9",
        "scipy": "1.11",
        "plotly": "5.15",
        "ipywidgets": "8.0",
        "pooch": "1.8",
    }
    monkeypatch.setattr(doctor, "_version", versions.get)
    monkeypatch.setattr(doctor, "declared_floors", lambda: floors)
    monkeypatch.setattr(doctor, "in_colab", lambda: False)
    monkeypatch.setenv("RECSYS_LAB_DATA", str(tmp_path / "cache"))
    monkeypatch.delenv("RECSYS_LAB_MIRROR", raising=False)


VERSIONS = {  # what the controlled doctor finds installed: each at or above its floor
    "numpy": "2.0.1",
    "pandas": "2.10.0",  # above 2.9 as numbers, below it as text
    "scipy": "1.11",  # exactly the floor
    "plotly": "5.24.0",
    "ipywidgets": "8.1.5",
    "pooch": "1.8.2",
    "jupyterlab_widgets": "3.0.13",
}


def test_doctor_reports_every_check_and_exits_0_when_all_is_well(tmp_path, monkeypatch, capsys):
    controlled_doctor(monkeypatch, tmp_path, dict(VERSIONS))
    assert main(["doctor", "--no-tensorflow"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0][7:] == f"python             {platform.python_version()}"
    assert lines[1:] == [
        "[ok  ] numpy              2.0.1",
        "[ok  ] pandas             2.10.0",
        "[ok  ] scipy              1.11",
        "[ok  ] plotly             5.24.0",
        "[ok  ] ipywidgets         8.1.5",
        "[ok  ] pooch              1.8.2",
        "[ok  ] widgets front end  jupyterlab_widgets 3.0.13",
        f"[ok  ] data cache         {tmp_path / 'cache'} (cached: nothing yet)",
        "[info] mirror             RECSYS_LAB_MIRROR is not set: data is downloaded from GroupLens",
        "",
        "all good",
    ]


def test_doctor_fails_a_package_below_its_floor_or_missing_with_the_fix(tmp_path, monkeypatch, capsys):
    versions = {**VERSIONS, "numpy": "1.24.4"}
    del versions["pooch"]
    controlled_doctor(monkeypatch, tmp_path, versions)
    assert main(["doctor", "--no-tensorflow"]) == 1
    lines = capsys.readouterr().out.splitlines()
    fix = " " * 25 + "fix: "
    assert lines[1:3] == [
        "[FAIL] numpy              1.24.4 is older than 1.25",
        f"{fix}pip install -U 'numpy>=1.25'",
    ]
    assert lines[3] == "[ok  ] pandas             2.10.0"
    assert lines[7:9] == ["[FAIL] pooch              not installed", f"{fix}pip install 'pooch>=1.8'"]
    assert [line[:6] for line in lines].count("[FAIL]") == 2
    assert lines[-2:] == ["", "2 problem(s) to fix"]


def test_doctor_flags_a_broken_mirror_with_its_fix(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RECSYS_LAB_MIRROR", str(tmp_path / "missing"))
    assert main(["doctor", "--no-tensorflow"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] mirror" in out and "fix: point RECSYS_LAB_MIRROR" in out


def test_command_writes_student_versions_and_refuses_bad_input(tmp_path, capsys):
    assert main(["student", *map(str, CHAPTERS), "--out", str(tmp_path / "student")]) == 0
    assert "exercise(s) stubbed" in capsys.readouterr().out
    for path in CHAPTERS:
        student = nbformat.read(tmp_path / "student" / path.name, as_version=4)
        assert not any(BEGIN in c.source for c in student.cells if c.cell_type == "code")
        assert exercise_cells(nbformat.read(path, as_version=4)) != exercise_cells(student)  # ours untouched
    assert main(["student", str(CHAPTERS[0]), "--out", str(ROOT / "notebooks")]) == 2
    assert "holds the notebooks themselves" in capsys.readouterr().err
    with pytest.raises(ValueError, match="without ### END SOLUTION"):
        strip_solutions("x = 1\n### BEGIN SOLUTION\ny = 2", "01.1")
    with pytest.raises(ValueError, match="without ### BEGIN SOLUTION"):
        strip_solutions("### END SOLUTION", "01.1")
    loose = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")]
    )
    with pytest.raises(ValueError, match="outside an exercise cell"):
        student_version(loose)
    assert strip_solutions(
        "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION", "02.1"
    ) == ('def f():\n    raise NotImplementedError("exercise 02.1: write your code here")')
