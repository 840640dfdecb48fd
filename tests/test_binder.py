"""Delivery configuration: Binder's files derived from pyproject.toml, badges from its one repository URL."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from scripts import badges, binder_requirements

ROOT = Path(__file__).resolve().parents[1]

LINUX = {**default_environment(), "sys_platform": "linux", "platform_machine": "x86_64"}


def test_binder_files_are_generated_from_pyproject():
    for name, text in binder_requirements.binder_files().items():
        path = ROOT / "binder" / name
        assert path.is_file() and path.read_text(encoding="utf-8") == text, (
            f"binder/{name} is out of date: run python scripts/binder_requirements.py"
        )


def test_binder_installs_cpu_tensorflow_the_lab_and_the_kit():
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    assert lines[-1] == "-e .", "the kit itself, installed from the repository root"
    wanted = [Requirement(line) for line in lines if line and not line.startswith(("#", "-"))]
    names = {r.name for r in wanted if r.marker is None or r.marker.evaluate(LINUX)}
    assert {"tensorflow-cpu", "keras", "jupyterlab", "ipywidgets", "plotly"} <= names
    assert "tensorflow" not in names, "Binder is CPU-only: the full TensorFlow wheel is twice the size"


def test_movielens_is_never_baked_into_the_image():
    for path in (ROOT / "binder").iterdir():
        text = path.read_text(errors="replace").lower()
        assert not re.search(r"download|ml-\d|movielens|grouplens", text), f"{path.name} fetches data"
    assert (
        not (ROOT / "binder" / "postBuild").exists()
        or "download" not in (ROOT / "binder/postBuild").read_text()
    )


def test_readme_badges_are_current():
    owner, name = badges.repository()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert badges.readme_with_badges(text, owner, name, "main") == text, "run python scripts/badges.py"
    assert badges.BINDER_SVG in text and badges.COLAB_SVG in text


def _linked_notebooks() -> list[Path]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return sorted({ROOT / m["path"] for m in badges.NOTEBOOK_LINK.finditer(readme)})


@pytest.mark.parametrize("path", _linked_notebooks(), ids=lambda p: p.name)
def test_each_ready_notebook_carries_its_badges(path):
    owner, name = badges.repository()
    text = path.read_text(encoding="utf-8")
    fresh = badges.notebook_with_badges(text, path.relative_to(ROOT).as_posix(), owner, name, "main")
    assert fresh == text, f"run python scripts/badges.py {path.relative_to(ROOT)}"


def test_badge_writing_is_idempotent_and_keeps_the_title_first():
    source = "# 09 · Title\n\nFirst paragraph.\n\nSecond."
    once = badges.header_with_badges(source, "notebooks/09_x.ipynb", "o", "r", "main")
    assert once.startswith("# 09 · Title\n\n[![Open In Colab]") and once.endswith(
        "First paragraph.\n\nSecond."
    )
    assert "colab.research.google.com/github/o/r/blob/main/notebooks/09_x.ipynb" in once
    assert badges.header_with_badges(once, "notebooks/09_x.ipynb", "o", "r", "main") == once
    moved = badges.header_with_badges(once, "notebooks/09_x.ipynb", "o", "r", "dev")
    assert moved.count("[![Open In Colab]") == 1 and "/blob/dev/" in moved
    row = "| [09 x](notebooks/09_x.ipynb) | §9 | things | ready |"
    badged = badges.readme_with_badges(row, "o", "r", "main")
    assert badged.startswith("| [09 x](notebooks/09_x.ipynb) [![Open In Colab]") and badged.endswith(
        "| §9 | things | ready |"
    )
    assert badges.readme_with_badges(badged, "o", "r", "main") == badged


def test_colab_installs_the_kit_from_the_configured_repository():
    source = f"git+{'/'.join(['https://github.com', *badges.repository()])}"
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        setup = next(
            c.source for c in nbformat.read(path, as_version=4).cells if "setup_notebook" in c.source
        )
        assert f"@ {source}" in setup, f"{path.name}: the setup cell installs from another repository"
