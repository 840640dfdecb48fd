"""Delivery configuration: Binder's files derived from pyproject.toml, badges from its one repository URL."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from scripts import badges, binder_requirements

ROOT = Path(__file__).resolve().parents[1]


def test_binder_files_are_generated_from_pyproject():
    for name, text in binder_requirements.binder_files().items():
        path = ROOT / "binder" / name
        assert path.is_file() and path.read_text(encoding="utf-8") == text, (
            f"binder/{name} is out of date: run python scripts/binder_requirements.py"
        )
    assert binder_requirements.check() == [], "run python scripts/binder_requirements.py --lock"


def test_binder_installs_the_kit_with_cpu_tensorflow_and_the_lab_at_the_locked_versions():
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    assert [line for line in lines if not line.startswith("#")] == ["-c constraints.txt", "-e .[cpu,lab]"]
    pins, problems = binder_requirements.read_lock((ROOT / "binder" / "constraints.txt").read_text())
    assert problems == []
    assert {"tensorflow-cpu", "keras", "jupyterlab", "ipykernel", "ipywidgets", "plotly", "pytest"} <= set(
        pins
    )
    assert "tensorflow" not in pins, "Binder is CPU-only: the full TensorFlow wheel is twice the size"
    assert not [name for name in pins if name.startswith("nvidia-")], "no CUDA libraries in a CPU image"
    assert (ROOT / "binder" / "runtime.txt").read_text() == f"python-{binder_requirements.PYTHON}\n"


@pytest.fixture
def copy(tmp_path):
    """A copy of pyproject.toml and binder/ that --check finds current, to break one way at a time."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "binder", tmp_path / "binder")
    assert binder_requirements.check(tmp_path) == []
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _pin(root: Path, name: str) -> str:
    return binder_requirements.read_lock((root / "binder" / "constraints.txt").read_text())[0][name]


def _check_fails(root: Path, capsys, *words: str) -> None:
    assert binder_requirements.main(["--check"], root=root) == 1
    out = capsys.readouterr().out
    assert all(word in out for word in words), out
    assert "--lock" in out, "the failure says how to fix it"


def test_check_fails_on_a_stale_pin_when_a_floor_is_raised_past_it(copy, capsys):
    _edit(copy / "pyproject.toml", '"keras>=', '"keras>=999,>=')
    _check_fails(copy, capsys, f"keras=={_pin(copy, 'keras')}", ">=999")


def test_check_fails_on_a_pin_outside_the_specifier(copy, capsys):
    lock = copy / "binder" / "constraints.txt"
    _edit(lock, f"\nnumpy=={_pin(copy, 'numpy')}", "\nnumpy==1.0.0")
    _check_fails(copy, capsys, "numpy==1.0.0")


def test_check_fails_on_a_dependency_the_lock_lacks(copy, capsys):
    lock = copy / "binder" / "constraints.txt"
    lock.write_text(
        "".join(line for line in lock.read_text().splitlines(True) if not line.startswith("plotly="))
    )
    _check_fails(copy, capsys, "lacks plotly")
    # a dependency added to pyproject (here to the test extra) without a new lock
    _edit(copy / "pyproject.toml", "test = [\n", 'test = [\n    "tomli-w>=1",\n')
    _check_fails(copy, capsys, "lacks tomli-w")


def test_check_fails_on_requirements_not_as_generated_or_a_lock_not_written_by_lock(copy, capsys):
    _edit(copy / "binder" / "requirements.txt", "-e .[cpu,lab]", "-e .[cpu,lab,gpu]")
    _check_fails(copy, capsys, "binder/requirements.txt is not as generated")
    shutil.copytree(ROOT / "binder", copy / "binder", dirs_exist_ok=True)
    lock = copy / "binder" / "constraints.txt"
    lock.write_text(lock.read_text().replace("# Generated", "# Written by hand", 1) + "pandas>=2\n")
    _check_fails(copy, capsys, "not written by --lock", "not an exact pin")
    lock.unlink()
    _check_fails(copy, capsys, "constraints.txt is missing")


def test_check_needs_only_what_applies_on_binders_machine(copy):
    """A requirement for another platform (the cpu extra's macOS TensorFlow) is not asked of the lock."""
    wanted = {r.name for r in binder_requirements.direct_requirements(copy)}
    assert "tensorflow-cpu" in wanted and "tensorflow" not in wanted
    _edit(
        copy / "pyproject.toml",
        "cpu = [\n",
        "cpu = [\n    \"tensorflow-metal>=1; sys_platform == 'darwin'\",\n",
    )
    assert binder_requirements.check(copy) == []


def test_check_fails_when_the_lock_pins_a_build_tool_that_pip_could_not_use(copy, capsys):
    # CI's PIP_CONSTRAINT reaches the isolated build of the kit: a locked setuptools must fit [build-system]
    setuptools = _pin(copy, "setuptools")
    _edit(copy / "binder" / "constraints.txt", f"\nsetuptools=={setuptools}", "\nsetuptools==60.0.0")
    _check_fails(copy, capsys, "[build-system] wants setuptools")


def test_lock_is_resolved_by_uv_for_binders_machine_and_written_with_its_header(copy, monkeypatch):
    seen = {}

    def run(command, cwd, **kwargs):
        seen["command"], seen["cwd"] = command, cwd
        out = Path(command[command.index("-o") + 1])
        out.write_text((ROOT / "binder" / "constraints.txt").read_text().split("\n", 3)[3])
        return binder_requirements.subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(binder_requirements.subprocess, "run", run)
    (copy / "binder" / "constraints.txt").unlink()
    assert binder_requirements.main(["--lock"], root=copy) == 0
    command = " ".join(seen["command"])
    assert (
        seen["cwd"] == copy and "pip compile pyproject.toml --extra cpu --extra lab --extra test" in command
    )
    assert f"--python-version {binder_requirements.PYTHON} --python-platform x86_64-manylinux" in command
    assert (copy / "binder" / "constraints.txt").read_text() == (
        ROOT / "binder" / "constraints.txt"
    ).read_text()


def test_movielens_is_never_baked_into_the_image():
    for path in (ROOT / "binder").iterdir():
        text = path.read_text(errors="replace").lower()
        assert not re.search(r"download|ml-\d|movielens|grouplens", text), f"{path.name} fetches data"
    assert (
        not (ROOT / "binder" / "postBuild").exists()
        or "download" not in (ROOT / "binder/postBuild").read_text()
    )


@pytest.mark.parametrize("readme", ["README.md", "README.zh-CN.md"])
def test_readme_badges_are_current(readme):
    owner, name = badges.repository()
    text = (ROOT / readme).read_text(encoding="utf-8")
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
    owner, name = badges.repository()
    repository = f'REPOSITORY = "https://github.com/{owner}/{name}"'  # the cell installs git+{REPOSITORY}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        setup = next(
            c.source for c in nbformat.read(path, as_version=4).cells if "setup_notebook" in c.source
        )
        assert repository in setup, f"{path.name}: the setup cell installs from another repository"
