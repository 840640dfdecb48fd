"""The learner's version of the course, `course/NN_*.ipynb`: what the badges, Binder and the README open.

`notebooks/` holds each chapter with its exercises' solutions: the instructor's version, the one the tests run and
nbgrader reads. The learner's version is the same notebook, executed on the default dataset, with every solution
replaced by a stub (`recsys_lab.course.student`) and the stubbed cells' outputs dropped. Every other output is kept,
so a reader who has run nothing sees every table and figure; each plotly figure also gets a PNG rendered by Chromium,
because GitHub shows images but not plotly's interactive figures (JupyterLab, Colab and nbviewer show those). A
figure whose data is large (a histogram of every prediction) keeps only its image, to keep the notebooks small.

    python scripts/learner.py build                  # execute every chapter (ml-100k), write course/
    python scripts/learner.py build notebooks/02_autoencoder.ipynb
    python scripts/learner.py check                  # course/ matches notebooks/ (tests/test_learner.py runs it)

`build` fails, writing nothing for that chapter, if a cell fails. It needs Chromium for the images (Debian:
apt-get install chromium; or RECSYS_LAB_CHROMIUM=/path/to/chrome) and Playwright (the `test` extra).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recsys_lab.course.student import BEGIN, END, student_version  # noqa: E402

SOURCE = ROOT / "notebooks"
COURSE = ROOT / "course"
PLOTLY = "application/vnd.plotly.v1+json"
WIDGET = "application/vnd.jupyter.widget-view+json"
MAX_FIGURE_BYTES = 300_000  # a figure kept interactive in course/ holds at most this much JSON
SHOWN = re.compile(r"\.show\(\)")  # a cell that draws a plotly figure


def chapters(paths=None) -> list[Path]:
    return [Path(p).resolve() for p in paths] if paths else sorted(SOURCE.glob("[0-9][0-9]_*.ipynb"))


def execute(path: Path, timeout: int = 900) -> nbformat.NotebookNode:
    """The notebook at `path`, run top to bottom in a fresh kernel started in its folder."""
    import nbclient

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    client.on_cell_executed = lambda cell, cell_index, **_: (
        print(  # progress: a hung cell is named by the log
            f"  {path.name} cell {cell_index} done at {time.perf_counter() - start:.0f} s", flush=True
        )
    )
    client.execute()
    return nb


def _chromium() -> str:
    found = (
        os.environ.get("RECSYS_LAB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not found:
        raise SystemExit(
            "no Chromium to render the figures: apt-get install chromium, or set RECSYS_LAB_CHROMIUM"
        )
    return found


def render_pngs(figures: list[dict]) -> list[bytes]:
    """Each plotly figure (its JSON: data, layout) as PNG bytes, drawn by plotly.js in headless Chromium."""
    if not figures:
        return []
    import plotly
    from playwright.sync_api import sync_playwright

    script = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "figure.html"
        page_file.write_text(
            f'<html><head><script src="{script.as_uri()}"></script></head><body></body></html>'
        )
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(page_file.as_uri())
            pngs = []
            for figure in figures:
                layout = figure.get("layout", {})
                url = page.evaluate(
                    """async ([data, layout, width, height]) => {
                        const div = document.createElement("div");
                        document.body.replaceChildren(div);
                        await Plotly.newPlot(div, data, layout);
                        return Plotly.toImage(div, {format: "png", width: width, height: height});
                    }""",
                    [figure.get("data", []), layout, layout.get("width", 900), layout.get("height", 480)],
                )
                pngs.append(base64.b64decode(url.split(",", 1)[1]))
            browser.close()
    return pngs


def learner_version(executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An executed chapter as the learner sees it: solutions stubbed (their outputs dropped), widget views and
    stderr dropped (they need a live kernel, or are noise), a PNG beside each plotly figure, no run metadata."""
    nb, _ = student_version(executed)
    figures = []
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                continue
            data = output.get("data", {})
            if WIDGET in data:
                continue  # a widget needs its kernel: the learner runs the cell to get it
            if PLOTLY in data:
                figures.append(output)
            kept.append(output)
        cell.outputs = kept
    for output, png in zip(figures, render_pngs([o["data"][PLOTLY] for o in figures]), strict=True):
        output["data"]["image/png"] = base64.b64encode(png).decode()
        if len(json.dumps(output["data"][PLOTLY])) > MAX_FIGURE_BYTES:  # e.g. a histogram holding every value
            del output["data"][PLOTLY]  # the image stays; running the cell brings the interactive figure back
    return nb


def build(paths=None) -> int:
    COURSE.mkdir(exist_ok=True)
    for path in chapters(paths):
        nb = learner_version(execute(path))
        (COURSE / path.name).write_text(nbformat.writes(nb), encoding="utf-8")  # as clean_notebooks.py writes
        size = (COURSE / path.name).stat().st_size / 1e6
        print(f"written: course/{path.name} ({size:.1f} MB)")
    return 0


def problems(path: Path) -> list[str]:
    """What is wrong with chapter `path`'s learner version in course/ (nothing: an empty list)."""
    learner_path = COURSE / path.name
    if not learner_path.is_file():
        return [f"course/{path.name} is missing: run python scripts/learner.py build notebooks/{path.name}"]
    expected, _ = student_version(nbformat.read(path, as_version=4))
    learner = nbformat.read(learner_path, as_version=4)
    found = []
    if [(c.cell_type, c.source) for c in learner.cells] != [(c.cell_type, c.source) for c in expected.cells]:
        found.append(f"course/{path.name} is stale: its cells differ from notebooks/{path.name} with the "
                     f"solutions stubbed; run python scripts/learner.py build notebooks/{path.name}")  # fmt: skip
    text = json.dumps([c.source for c in learner.cells])
    if BEGIN in text or END in text:
        found.append(f"course/{path.name} holds a solution block")
    for cell in learner.cells:
        if cell.cell_type != "code":
            continue
        if cell.source.lstrip().startswith("# Exercise") and cell.outputs:
            found.append(
                f"course/{path.name}: an exercise cell keeps its output: {cell.source.splitlines()[0]}"
            )
        shown = sum(
            len(SHOWN.findall(line)) for line in cell.source.splitlines() if not line.lstrip().startswith("#")
        )
        images = sum("image/png" in o.get("data", {}) for o in cell.outputs)
        if shown and not cell.source.lstrip().startswith("# Exercise") and images < shown:
            found.append(f"course/{path.name}: a figure cell has {images} image(s) for {shown} figure(s): "
                         f"{cell.source.splitlines()[0][:80]}")  # fmt: skip
    return found


def check(paths=None) -> int:
    found = [problem for path in chapters(paths) for problem in problems(path)]
    extra = sorted({p.name for p in COURSE.glob("*.ipynb")} - {p.name for p in chapters()})
    found += [f"course/{name} has no chapter in notebooks/" for name in extra]
    print("\n".join(found) or "course/ matches notebooks/")
    return 1 if found else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("build", "check"))
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/[0-9][0-9]_*.ipynb")
    args = parser.parse_args(argv)
    return build(args.notebooks) if args.command == "build" else check(args.notebooks)


if __name__ == "__main__":
    sys.exit(main())
