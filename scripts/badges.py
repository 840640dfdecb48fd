"""Write the badges and the setup cells' version from the one configured repository URL and version.

The URL is `[project.urls] Source` in pyproject.toml (a GitHub repository); the branch is `main` unless
`--branch` says otherwise. The script (re)writes, idempotently:

- README.md and README.zh-CN.md: a Colab badge after the link of each course-table row that links a
  notebook, and the launch-in-Binder badge on its own line (a line holding only that badge);
- each notebook: one line of badges (Colab, Binder) right under the title of its first markdown cell, and
  in its setup cell the version a fresh kernel installs (`KIT = "X.Y.Z"`, `recsys_lab.__version__`) and
  the repository it falls back to (`REPOSITORY = "..."`). Only those cells' sources change: outputs and
  metadata stay as committed (see clean_notebooks.py).

    python scripts/badges.py                                   # the READMEs and notebooks/[0-9][0-9]_*.ipynb
    python scripts/badges.py notebooks/04_cnn_item_features.ipynb   # the READMEs and the named notebooks
    python scripts/badges.py --check                           # exit 1 if anything is missing or stale
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest brings tomli
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
COLAB_SVG = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_SVG = "https://mybinder.org/badge_logo.svg"
# a badge: [![alt](image)](target); the image URL identifies its kind
BADGE = re.compile(r"\[!\[[^\]]*\]\((?P<svg>[^)]+)\)\]\([^)]*\)")
NOTEBOOK_LINK = re.compile(r"\]\((?P<path>(?:notebooks|course)/[^)]+\.ipynb)\)")
# the setup cell's two written lines
SETUP_KIT = re.compile(r'^(KIT = )"[^"]*"', re.MULTILINE)
SETUP_REPOSITORY = re.compile(r'^(REPOSITORY = )"[^"]*"', re.MULTILINE)


def repository(root: Path = ROOT) -> tuple[str, str]:
    """(owner, name) of the GitHub repository in pyproject's `[project.urls] Source`."""
    with open(root / "pyproject.toml", "rb") as f:
        url = tomllib.load(f)["project"]["urls"]["Source"]
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", url)
    if match is None:
        raise SystemExit(f"[project.urls] Source must be a GitHub repository URL, not {url!r}")
    return match.group(1), match.group(2)


def version(root: Path = ROOT) -> str:
    """`recsys_lab.__version__`, read from the source (the kit need not be importable here)."""
    text = (root / "recsys_lab" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if match is None:
        raise SystemExit('recsys_lab/__init__.py has no `__version__ = "X.Y.Z"` line')
    return match.group(1)


def setup_with_version(source: str, kit: str, owner: str, name: str) -> str:
    """A setup cell with its `KIT = "..."` and `REPOSITORY = "..."` lines rewritten (other cells: unchanged)."""
    source = SETUP_KIT.sub(f'\\g<1>"{kit}"', source)
    return SETUP_REPOSITORY.sub(f'\\g<1>"https://github.com/{owner}/{name}"', source)


def colab_badge(owner: str, name: str, branch: str, notebook: str) -> str:
    url = f"https://colab.research.google.com/github/{owner}/{name}/blob/{branch}/{notebook}"
    return f"[![Open In Colab]({COLAB_SVG})]({url})"


def binder_badge(owner: str, name: str, branch: str, path: str = "course") -> str:
    url = f"https://mybinder.org/v2/gh/{owner}/{name}/{branch}?urlpath=lab/tree/{path}"
    return f"[![Binder]({BINDER_SVG})]({url})"


def _without_badges(text: str) -> str:
    return BADGE.sub("", text).rstrip()


def readme_with_badges(text: str, owner: str, name: str, branch: str) -> str:
    """README text with a Colab badge in each notebook row of the course table and the Binder line fresh."""
    lines = []
    for line in text.split("\n"):
        cells = line.split("|")
        if line.startswith("| ") and len(cells) > 2 and (link := NOTEBOOK_LINK.search(cells[1])):
            first = _without_badges(cells[1])
            cells[1] = f"{first} {colab_badge(owner, name, branch, link['path'])} "
            line = "|".join(cells)
        elif BADGE.fullmatch(line.strip()) and BINDER_SVG in line:
            line = binder_badge(owner, name, branch)
        lines.append(line)
    return "\n".join(lines)


def header_with_badges(source: str, notebook: str, owner: str, name: str, branch: str) -> str:
    """A notebook's first markdown cell with one badge line right under its title line."""
    title, _, rest = source.partition("\n")
    rest = rest.lstrip("\n")
    first, _, after = rest.partition("\n")
    if first and not _without_badges(first):  # an old badge line: replace it
        rest = after.lstrip("\n")
    badges = f"{colab_badge(owner, name, branch, notebook)} {binder_badge(owner, name, branch, notebook)}"
    return f"{title}\n\n{badges}\n\n{rest}" if rest else f"{title}\n\n{badges}"


def notebook_with_badges(
    text: str, notebook: str, owner: str, name: str, branch: str, kit: str | None = None
) -> str:
    """A notebook with fresh badges and its setup cell installing version `kit` (default: the kit's own)."""
    kit = kit or version()
    nb = nbformat.reads(text, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown")
    cell.source = header_with_badges(cell.source, notebook, owner, name, branch)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = setup_with_version(cell.source, kit, owner, name)
    return nbformat.writes(nb)


def sync(files: dict[Path, str], check: bool) -> int:
    """Write each file whose text differs from `files[path]`, or with `check` only name them; exit status."""
    stale = [
        path for path, text in files.items() if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]
    for path in stale if not check else []:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
    if stale:
        names = ", ".join(path.relative_to(ROOT).as_posix() for path in stale)
        print(("out of date: " if check else "written: ") + names)
    return 1 if (stale and check) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/[0-9][0-9]_*.ipynb")
    parser.add_argument("--branch", default="main")
    parser.add_argument("--check", action="store_true", help="report, do not rewrite")
    args = parser.parse_args(argv)
    if bad := [p for p in args.notebooks if not p.endswith(".ipynb")]:
        parser.error(f"not a notebook: {', '.join(bad)} (the READMEs are always updated)")
    owner, name = repository()
    kit = version()
    paths = [Path(p).resolve() for p in args.notebooks] or sorted(
        (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
    )
    targets = {  # the Chinese README has the same course table and Binder line
        ROOT / readme: lambda text: readme_with_badges(text, owner, name, args.branch)
        for readme in ("README.md", "README.zh-CN.md")
        if (ROOT / readme).is_file()
    }
    for path in paths:
        relative = f"course/{path.name}"  # the badges open the learner's version (scripts/learner.py)
        targets[path] = lambda text, nb=relative: notebook_with_badges(
            text, nb, owner, name, args.branch, kit
        )
    return sync(
        {path: rewrite(path.read_text(encoding="utf-8")) for path, rewrite in targets.items()}, args.check
    )


if __name__ == "__main__":
    sys.exit(main())
