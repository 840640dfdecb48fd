"""scripts/release.py: what a release's wheel and sdist must hold, checked on small archives made here."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from scripts import release

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest brings tomli
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def checkout(tmp_path):
    """A git checkout with a package of three files (one untracked), an ignored cache and a stray file."""
    root = tmp_path / "repo"
    files = {
        "recsys_lab/__init__.py": '"""kit"""\n\n__version__ = "1.2.3"\n',
        "recsys_lab/data/releases.py": "RELEASES = {}\n",
        "recsys_lab/data/pins.json": "{}\n",
        ".gitignore": "__pycache__/\n",
        "README.md": "# kit\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(
        ["git", "add", "recsys_lab/__init__.py", "recsys_lab/data", ".gitignore"], cwd=root, check=True
    )
    (root / "recsys_lab" / "__main__.py").write_text("")  # untracked: the build reads it all the same
    (root / "recsys_lab" / "__pycache__").mkdir()
    (root / "recsys_lab" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"")  # ignored
    return root


def _wheel(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name in [*names, "recsys_lab-1.2.3.dist-info/METADATA"]:
            archive.writestr(name, "")
    return path


def _sdist(path: Path, names: list[str]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name in names:
            info = tarfile.TarInfo(f"recsys_lab-1.2.3/{name}")
            info.size = 0
            archive.addfile(info, io.BytesIO(b""))
    return path


PACKAGE = ["recsys_lab/__init__.py", "recsys_lab/__main__.py", "recsys_lab/data/pins.json"]
PACKAGE.append("recsys_lab/data/releases.py")
SDIST = ["PKG-INFO", "pyproject.toml", "README.md", "LICENSE", "setup.cfg", *PACKAGE]


def test_package_files_are_what_the_build_reads(checkout):
    assert release.package_files(checkout) == sorted(PACKAGE)  # untracked included, ignored and README not
    (checkout / "recsys_lab" / "data" / "releases.py").unlink()  # deleted, not yet committed: not expected
    assert "recsys_lab/data/releases.py" not in release.package_files(checkout)
    assert release.version(checkout) == "1.2.3"


def test_a_wheel_missing_a_module_or_a_data_file_is_reported(checkout, tmp_path):
    complete = _wheel(tmp_path / "ok.whl", PACKAGE)
    assert release.missing_from_wheel(complete, checkout) == []
    assert release.unexpected_in_wheel(complete, checkout) == []
    partial = _wheel(tmp_path / "partial.whl", ["recsys_lab/__init__.py", "recsys_lab/old.py"])
    assert release.missing_from_wheel(partial, checkout) == [
        "recsys_lab/__main__.py",
        "recsys_lab/data/pins.json",
        "recsys_lab/data/releases.py",
    ]
    assert release.unexpected_in_wheel(partial, checkout) == ["recsys_lab/old.py"]


def test_the_sdist_holds_the_package_readme_licence_and_pyproject_only(checkout, tmp_path):
    assert release.sdist_problems(_sdist(tmp_path / "ok.tar.gz", SDIST), checkout) == []
    bad = [n for n in SDIST if n not in ("LICENSE", "recsys_lab/data/pins.json")]
    bad += ["notebooks/01_data_tour.ipynb", "data/ml-100k/u.data", "tests/test_x.py"]
    assert release.sdist_problems(_sdist(tmp_path / "bad.tar.gz", bad), checkout) == [
        "missing: LICENSE",
        "missing: recsys_lab/data/pins.json",
        "not to be shipped: data/ml-100k/u.data",
        "not to be shipped: notebooks/01_data_tour.ipynb",
        "not to be shipped: tests/test_x.py",
    ]


def test_main_passes_a_good_release_and_fails_a_bad_one(checkout, tmp_path, capsys):
    good = tmp_path / "good"
    good.mkdir()
    _wheel(good / "recsys_lab-1.2.3-py3-none-any.whl", PACKAGE)
    _sdist(good / "recsys_lab-1.2.3.tar.gz", SDIST)
    assert release.main([str(good), "--root", str(checkout)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "contents: ok"
    bad = tmp_path / "bad"
    bad.mkdir()
    _wheel(bad / "recsys_lab-1.2.2-py3-none-any.whl", PACKAGE[:-1])  # an old version, a module short
    _sdist(bad / "recsys_lab-1.2.2.tar.gz", SDIST)
    assert release.main([str(bad), "--root", str(checkout)]) == 1
    out = capsys.readouterr().out
    assert "recsys_lab-1.2.2-py3-none-any.whl: not version 1.2.3" in out
    assert "missing recsys_lab/data/releases.py" in out and out.splitlines()[-1] == "contents: 3 problem(s)"


def test_the_version_is_single_sourced_and_the_licence_is_spdx():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "recsys_lab.__version__" and release.version() == __import__("recsys_lab").__version__
    assert project["project"]["license"] == "MIT" and (ROOT / "LICENSE").is_file()
    assert not any(c.startswith("License ::") for c in project["project"]["classifiers"])
