"""The learner's version (course/): what the badges, Binder and the README open holds no solution, matches the
instructor's chapter cell for cell, and shows every figure as run (scripts/learner.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import learner  # noqa: E402

from recsys_lab.course.student import BEGIN, END  # noqa: E402

NOTEBOOKS = learner.chapters()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_learner_version_is_current_and_shows_what_ran(path):
    assert learner.problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_line_of_a_solution_is_shown_elsewhere_in_the_learner_version(path):
    """A solution's lines must not sit in a cell above its check (issue #18: answers shown just above the exercise).
    Short lines (`return x`, `import numpy as np`) can occur anywhere and are not counted."""
    solution_lines, inside = set(), False
    for cell in nbformat.read(path, as_version=4).cells:
        for line in cell.source.splitlines():
            if line.strip() == BEGIN:
                inside = True
            elif line.strip() == END:
                inside = False
            elif inside and len(line.strip()) >= 30 and not line.strip().startswith("#"):
                solution_lines.add(line.strip())
    learner_path = ROOT / "course" / path.name
    if not learner_path.is_file():
        pytest.skip(f"course/{path.name} is missing (the test above fails)")
    shown = {
        line.strip()
        for c in nbformat.read(learner_path, as_version=4).cells
        for line in c.source.splitlines()
    }
    assert not solution_lines & shown, f"solution lines shown in course/{path.name}: {solution_lines & shown}"


def test_a_stale_or_solved_learner_version_is_caught(tmp_path, monkeypatch):
    source = tmp_path / "notebooks" / "01_x.ipynb"
    source.parent.mkdir()
    exercise = (
        "# Exercise 01.1: one line\ndef f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"
    )
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 01"),
            nbformat.v4.new_code_cell("fig.show()"),
            nbformat.v4.new_code_cell(exercise),
        ]
    )
    nbformat.write(nb, source)
    monkeypatch.setattr(learner, "COURSE", tmp_path / "course")
    assert "is missing" in learner.problems(source)[0]
    (tmp_path / "course").mkdir()
    nbformat.write(nb, tmp_path / "course" / "01_x.ipynb")  # the instructor's version, copied: solution shown
    said = " ".join(learner.problems(source))
    assert "stale" in said and "solution block" in said and "0 image(s) for 1 figure(s)" in said
    good = learner.learner_version(nb)  # no figure output to render: no browser needed
    good.cells[1].outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})]
    nbformat.write(good, tmp_path / "course" / "01_x.ipynb")
    assert learner.problems(source) == []
