"""The recsys-lab command: download, list, doctor and student, with their exit codes and messages."""

from __future__ import annotations

import nbformat
import pytest

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


def test_download_offline_reports_the_fix(tmp_path, monkeypatch, capsys):
    from recsys_lab.data import releases

    monkeypatch.setattr(releases, "GROUPLENS", "http://127.0.0.1:9/")
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
