"""Strip notebooks for committing: outputs, execution counts and personal metadata go; checked outputs stay.

Cells whose source contains `# NBVAL_CHECK_OUTPUT` keep their outputs (nbval compares them in CI);
every other output is removed, so no data and no noise is committed. Run by the pre-commit hook, or:

    python scripts/clean_notebooks.py notebooks/*.ipynb          # rewrite in place
    python scripts/clean_notebooks.py --check notebooks/*.ipynb  # exit 1 if any notebook is not clean

To refresh the checked outputs: run the notebook (JupyterLab, or `jupyter nbconvert --to notebook --execute
--inplace NB`), then run this script.
"""

from __future__ import annotations

import argparse
import sys

import nbformat

CHECKED = "# NBVAL_CHECK_OUTPUT"
KEEP_NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb.metadata = nbformat.from_dict(KEEP_NOTEBOOK_METADATA)
    for number, cell in enumerate(nb.cells, start=1):
        kept = {key: cell.metadata[key] for key in ("tags", "nbgrader") if cell.metadata.get(key)}
        cell.metadata = nbformat.from_dict(kept)  # tags (nbval, parameters) and nbgrader's exercise marks
        if cell.cell_type != "code":
            continue
        if CHECKED in cell.source and cell.outputs:
            # nbval treats a cell without an execution count as never run: give checked cells a stable one
            cell.execution_count = number
            for output in cell.outputs:
                if output.get("output_type") == "execute_result":
                    output["execution_count"] = number
        else:
            cell.execution_count = None
            cell.outputs = []
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--check", action="store_true", help="report, do not rewrite")
    args = parser.parse_args(argv)
    dirty = []
    for path in args.notebooks:
        with open(path, encoding="utf-8") as f:
            before = f.read()  # compared as text: a formatter's trailing newline counts as not clean
        after = nbformat.writes(clean(nbformat.reads(before, as_version=4)))
        if before != after:
            dirty.append(path)
            if not args.check:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(after)
    if dirty:
        print(("not clean: " if args.check else "cleaned: ") + ", ".join(dirty))
    return 1 if (dirty and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
