"""Student versions of the notebooks: every solution between nbgrader's markers replaced by a stub.

A solution in a chapter notebook sits in an exercise cell that starts with `# Exercise NN.k` and is fenced by the
markers nbgrader uses, so instructors with nbgrader generate assignments as usual:

    # Exercise 02.1: the masked loss in numpy
    def my_masked_mse(y_true, y_pred):
        ### BEGIN SOLUTION
        mask = y_true > 0
        ...
        ### END SOLUTION

Without nbgrader, `recsys-lab student notebooks/*.ipynb --out student/` writes copies whose solutions are
`raise NotImplementedError("exercise 02.1: ...")` at the same indentation; outputs are dropped, nothing else
changes. The checks in `recsys_lab.course.exercises` turn that stub into the exercise's hint.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
EXERCISE = re.compile(r"^# Exercise (\d+\.\d+)", re.M)


def strip_solutions(source: str, exercise: str) -> str:
    """`source` with each BEGIN/END SOLUTION block replaced by a stub raising NotImplementedError.

    Raises:
        ValueError: a marker without its partner, or markers nested.
    """
    out, inside, indent = [], False, ""
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"exercise {exercise}: {BEGIN} inside another solution block")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("exercise {exercise}: write your code here")')
        elif stripped == END:
            if not inside:
                raise ValueError(f"exercise {exercise}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"exercise {exercise}: {BEGIN} without {END}")
    return "\n".join(out)


def student_version(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[str]]:
    """A copy of `nb` with solutions stubbed and outputs dropped, and the exercise numbers stubbed, in order.

    Raises:
        ValueError: a solution outside a cell starting with `# Exercise NN.k`, or unbalanced markers.
    """
    nb = nbformat.from_dict(nb)  # a deep copy: the solution notebook is never changed
    stubbed = []
    for cell in nb.cells:
        if cell.cell_type != "code" or BEGIN not in cell.source:
            continue
        found = EXERCISE.search(cell.source)
        if not found:
            raise ValueError(f"a solution block outside an exercise cell (start it with '# Exercise NN.k'):\n"
                             f"{cell.source[:200]}")  # fmt: skip
        cell.source = strip_solutions(cell.source, found.group(1))
        cell.outputs, cell.execution_count = [], None
        stubbed.append(found.group(1))
    return nb, stubbed


def write_student_versions(paths, out: str | Path) -> dict[str, list[str]]:
    """Write the student version of each notebook in `paths` into folder `out`; returns name → exercises."""
    out = Path(out)
    if any(Path(p).resolve().parent == out.resolve() for p in paths):
        raise ValueError(f"--out {out} holds the notebooks themselves: choose another folder")
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for path in map(Path, paths):
        nb, stubbed = student_version(nbformat.read(path, as_version=4))
        nbformat.write(nb, out / path.name)
        written[path.name] = stubbed
    return written
