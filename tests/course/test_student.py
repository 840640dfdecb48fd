"""Student versions: each solution stubbed and its check giving the hint; the markers where nbgrader reads them."""

from __future__ import annotations

import nbformat
import pytest

from recsys_lab.course.student import BEGIN, student_version

from ..helpers import CHAPTERS, exercise_cells


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_student_version_stubs_each_solution_and_its_check_gives_the_hint(path):
    solution = nbformat.read(path, as_version=4)
    student, stubbed = student_version(solution)
    cells = exercise_cells(solution)
    assert cells and len(stubbed) == len(cells), "every chapter ends with a checked code exercise"
    first = next(i for i, c in enumerate(solution.cells) if c.source.startswith("# Exercise "))
    before = [c.source for c in solution.cells[:first]]
    assert [c.source for c in student.cells[:first]] == before  # all that runs in CI before it, unchanged
    for solved, unsolved in zip(cells, exercise_cells(student), strict=True):
        assert BEGIN not in unsolved and "NotImplementedError" in unsolved
        done, todo = {}, {}
        exec(compile(solved, path.name, "exec"), done)  # the cells need numpy, pandas and exercises only
        exec(compile(unsolved, path.name, "exec"), todo)
        assert done["feedback"].correct, done["feedback"]
        assert not todo["feedback"].correct and "not done yet" in todo["feedback"].message
        assert todo["feedback"].pointer


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_nbgrader_can_read_the_exercises(path):
    """nbgrader matches its markers anywhere in a line, in any cell, and wants solution cells marked."""
    for cell in nbformat.read(path, as_version=4).cells:
        marked = "BEGIN SOLUTION" in cell.source or "END SOLUTION" in cell.source
        if cell.cell_type == "code" and cell.source.startswith("# Exercise "):
            assert cell.metadata["nbgrader"]["solution"] and cell.metadata["nbgrader"]["grade_id"]
            lines = [line.strip() for line in cell.source.splitlines() if "SOLUTION" in line]
            assert lines == [BEGIN, "### END SOLUTION"] * (len(lines) // 2)
        else:
            assert not marked, f"{path.name}: a solution marker outside an exercise cell breaks nbgrader"
