"""The notebooks' setup cell in a kernel without the kit (Colab): install by version, or stop with the fix.

The install part of the cell (everything before its first `import numpy`) runs in a fresh venv that has no
recsys_lab, with a fake `google.colab` module, as a Colab kernel would run it: once with every source failing,
once with the package index replaced by a folder holding a wheel built from this checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv

import nbformat
import pytest

from scripts import badges

from .helpers import ROOT

NOTEBOOK = ROOT / "notebooks" / "01_data_tour.ipynb"


def install_part(owner: str = "recsys-lab", name: str = "recsys-lab") -> str:
    """The setup cell's install code, with its repository set to `owner/name`."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    setup = next(c.source for c in nb.cells if c.cell_type == "code" and "setup_notebook" in c.source)
    install = setup.split("\nimport numpy")[0]
    return badges.setup_with_version(install, badges.version(), owner, name)


def test_the_setup_cell_installs_this_version_and_names_the_repository():
    install = install_part()
    assert f'KIT = "{badges.version()}"' in install
    owner, name = badges.repository()
    assert f'REPOSITORY = "https://github.com/{owner}/{name}"' in install
    assert 'f"recsys-lab=={KIT}"' in install and 'f"recsys-lab @ git+{REPOSITORY}@v{KIT}"' in install


def test_badges_rewrite_a_stale_version_and_repository():
    stale = 'KIT = "0.0.1"  # comment kept\nREPOSITORY = "https://github.com/old/place"\nprint(KIT)\n'
    fresh = badges.setup_with_version(stale, "1.2.3", "new", "home")
    assert fresh == 'KIT = "1.2.3"  # comment kept\nREPOSITORY = "https://github.com/new/home"\nprint(KIT)\n'
    assert badges.setup_with_version(fresh, "1.2.3", "new", "home") == fresh  # idempotent


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    """A fresh venv (pip, no recsys_lab) and a folder holding the wheel of this checkout."""
    root = tmp_path_factory.mktemp("colab")
    venv.create(root / "venv", with_pip=True)
    python = root / "venv" / "bin" / "python"
    wheels = root / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    return python, wheels


def run_in_colab(python, code: str, tmp_path, **env) -> subprocess.CompletedProcess:
    script = tmp_path / "cell.py"
    fake_colab = "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')\n"
    script.write_text(fake_colab + code + "\nimport recsys_lab\nprint('imported', recsys_lab.__file__)\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    return subprocess.run(
        [str(python), str(script)],
        cwd=tmp_path,  # not the checkout: its recsys_lab must not be found
        env={**clean, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "GIT_TERMINAL_PROMPT": "0", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_with_every_source_failing_the_cell_stops_and_says_what_to_do(colab, tmp_path):
    python, _ = colab
    nowhere = tmp_path / "no-such-repository"  # a git URL that fails at once, without a network
    code = install_part().replace(
        'REPOSITORY = "https://github.com/recsys-lab/recsys-lab"', f'REPOSITORY = "file://{nowhere}"'
    )
    done = run_in_colab(python, code, tmp_path, PIP_INDEX_URL="http://127.0.0.1:9/simple", PIP_RETRIES="0")
    kit = badges.version()
    assert done.returncode != 0 and "imported" not in done.stdout
    assert "RuntimeError: recsys-lab could not be installed." in done.stderr
    assert (
        f"recsys-lab=={kit}:" in done.stderr and f"recsys-lab @ git+file://{nowhere}@v{kit}:" in done.stderr
    )
    assert f"%pip install recsys_lab-{kit}-py3-none-any.whl" in done.stderr
    assert f"pip install recsys-lab=={kit}" in done.stdout  # it said what it tried


@pytest.mark.slow
def test_the_cell_installs_the_version_from_the_index(colab, tmp_path):
    python, wheels = colab
    done = run_in_colab(python, install_part(), tmp_path, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels),
                        PIP_NO_DEPS="1")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "imported " + str(python.parents[1]) in done.stdout  # from the venv, not from the checkout
    again = run_in_colab(python, install_part(), tmp_path, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(tmp_path))
    assert again.returncode == 0 and "pip install" not in again.stdout  # installed: nothing to do
