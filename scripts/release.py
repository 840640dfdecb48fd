"""Check what a release ships: the wheel holds every file of `recsys_lab/`, the sdist exactly what it should.

    python scripts/release.py DIST_DIR        # DIST_DIR: one wheel and one sdist, as `python -m build` wrote

`.ci/release-check` runs it after building (see RELEASING.md). It compares the checkout's files under
`recsys_lab/` (git's tracked and untracked, not the ignored ones: what the build reads) with the wheel's and the
sdist's, so a module or a data file the build leaves out, or a stale one it adds, fails the release. A non-.py
file that the code loads must be declared as package data (`[tool.setuptools.package-data]`), else it is
reported here as missing.

The sdist holds what a wheel is built from and nothing else: the package, README.md, LICENSE and pyproject.toml
(plus MANIFEST.in, and the PKG-INFO, setup.cfg and egg-info setuptools writes). The notebooks, tests and tools stay in the
repository (MANIFEST.in prunes tests/), and MovieLens is never shipped (its licence forbids it).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "recsys_lab"
# top-level entries of the sdist besides the package: what we ship, and what setuptools adds (MANIFEST.in, and
# the files it writes)
SDIST_REQUIRED = ("PKG-INFO", "pyproject.toml", "README.md", "LICENSE")
SDIST_GENERATED = ("MANIFEST.in", "setup.cfg", f"{PACKAGE}.egg-info")


def version(root: Path = ROOT) -> str:
    """`recsys_lab.__version__` read from the source, as setuptools reads it (nothing is imported)."""
    text = (root / PACKAGE / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if match is None:
        raise ValueError(f'{root / PACKAGE / "__init__.py"} has no `__version__ = "X.Y.Z"` line')
    return match.group(1)


def package_files(root: Path = ROOT) -> list[str]:
    """Every file under `recsys_lab/` that the build reads: tracked or untracked, not ignored, present."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", PACKAGE],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted({name for name in listed.split("\0") if name and (root / name).is_file()})


def wheel_files(wheel: Path) -> list[str]:
    """The files of the package in a wheel (its .dist-info left out)."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    return sorted(n for n in names if n.startswith(f"{PACKAGE}/") and not n.endswith("/"))


def sdist_files(sdist: Path) -> list[str]:
    """The files of an sdist, relative to its top folder (`recsys_lab-X.Y.Z/`)."""
    with tarfile.open(sdist) as archive:
        names = [m.name for m in archive.getmembers() if m.isfile()]
    return sorted(n.split("/", 1)[1] for n in names if "/" in n)


def missing_from_wheel(wheel_path: Path, root: Path = ROOT) -> list[str]:
    """The checkout's files under `recsys_lab/` that the wheel lacks."""
    return sorted(set(package_files(root)) - set(wheel_files(wheel_path)))


def unexpected_in_wheel(wheel_path: Path, root: Path = ROOT) -> list[str]:
    """Files of the wheel's `recsys_lab/` that the checkout does not have (a stale or stray build)."""
    return sorted(set(wheel_files(wheel_path)) - set(package_files(root)))


def sdist_problems(sdist_path: Path, root: Path = ROOT) -> list[str]:
    """What is wrong with the sdist's contents, one line each; empty when it holds exactly what it should."""
    files = sdist_files(sdist_path)
    problems = [f"missing: {name}" for name in SDIST_REQUIRED if name not in files]
    problems += [f"missing: {name}" for name in sorted(set(package_files(root)) - set(files))]
    allowed = {*SDIST_REQUIRED, *SDIST_GENERATED, PACKAGE}
    problems += [f"not to be shipped: {name}" for name in files if name.split("/")[0] not in allowed]
    return problems


def _one(dist: Path, pattern: str) -> Path:
    found = sorted(dist.glob(pattern))
    if len(found) != 1:
        raise SystemExit(f"error: {dist} should hold exactly one {pattern}, found {[p.name for p in found]}")
    return found[0]


def main(argv: list[str] | None = None) -> int:
    """Check the wheel and the sdist in DIST_DIR against the checkout; print what was found; 1 on a problem."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", type=Path, help="the folder `python -m build --outdir` wrote")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout (default: this one)")
    args = parser.parse_args(argv)
    wheel, sdist = _one(args.dist, "*.whl"), _one(args.dist, "*.tar.gz")
    problems = []
    want = version(args.root)
    for artifact in (wheel, sdist):
        if f"-{want}-" not in artifact.name and not artifact.name.endswith(f"-{want}.tar.gz"):
            problems.append(f"{artifact.name}: not version {want} (recsys_lab.__version__)")
    expected = package_files(args.root)
    missing, extra = missing_from_wheel(wheel, args.root), unexpected_in_wheel(wheel, args.root)
    problems += [f"{wheel.name}: missing {name}" for name in missing]
    problems += [f"{wheel.name}: not in the checkout: {name}" for name in extra]
    problems += [f"{sdist.name}: {line}" for line in sdist_problems(sdist, args.root)]
    n_py = sum(name.endswith(".py") for name in expected)
    print(
        f"wheel {wheel.name}: {len(wheel_files(wheel))} files of {PACKAGE}/; the checkout has "
        f"{len(expected)} ({n_py} .py, {len(expected) - n_py} other); missing {len(missing)}, extra {len(extra)}"
    )
    tops = sorted({name.split("/")[0] for name in sdist_files(sdist)})
    print(f"sdist {sdist.name}: {len(sdist_files(sdist))} files; top level: {', '.join(tops)}")
    for line in problems:
        print(f"  problem: {line}")
    print("contents: " + (f"{len(problems)} problem(s)" if problems else "ok"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
