"""The Chinese README and the bilingual glossary stay true to the repository (issue #18, items 4 and 8).

README.zh-CN.md copies README.md's setup commands and badges: these tests fail when the two drift apart.
Every link to a repository file must point to a file that exists, every glossary row must be filled in both
languages, and every notebook the glossary names must exist. Plain text checks: no TensorFlow, well under a second.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
README_ZH = ROOT / "README.zh-CN.md"
GLOSSARY = ROOT / "docs" / "glossary.md"

FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SHELL = {"bash", "sh", "shell", "console"}
# the target of a markdown link or image, badges nested in links included: [text](target), ![alt](target)
LINK = re.compile(r"\]\(([^)\s]+)\)")
CJK = re.compile(r"[\u3400-\u9fff]")
NOTEBOOK_NAME = re.compile(r"\b\d\d_\w+\.ipynb\b")
BADGE_URL = re.compile(r"https://(?:colab\.research\.google\.com|mybinder\.org)/[^)\s]+")
NO_NOTEBOOK = "—"


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _fenced(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced code block, in order."""
    return [(m[1], m[2]) for m in FENCE.finditer(text)]


def _section(text: str, heading: str) -> str:
    """The text under the `## heading` line, up to the next `## ` heading."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def _cells(row: str) -> list[str]:
    """The cells of one markdown table row; `\\|` inside a cell is a literal pipe."""
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def _table_rows(text: str, first_header: str) -> list[list[str]]:
    """The body rows of every table whose header row starts with `| first_header |`."""
    rows, inside = [], False
    for line in text.splitlines():
        if line.startswith(f"| {first_header} |"):
            inside = True
        elif inside and line.startswith("|"):
            if not set(line) <= set("|-: "):  # not the |---| separator
                rows.append(_cells(line))
        else:
            inside = False
    return rows


def glossary_rows() -> list[list[str]]:
    return _table_rows(_text(GLOSSARY), "English")


# (a) the Chinese README cannot drift from the English one's commands


def test_zh_readme_has_the_readmes_setup_commands_in_order():
    ours = [body for lang, body in _fenced(_text(README_ZH)) if lang in SHELL]
    theirs = [body for lang, body in _fenced(_section(_text(README), "Two commands")) if lang in SHELL]
    assert theirs, "README.md's 'Two commands' section has no shell block: update this test"
    assert ours == theirs, (
        "README.zh-CN.md's shell commands differ from README.md's 'Two commands': copy them"
    )


def test_every_code_block_of_the_zh_readme_is_one_of_the_readmes():
    theirs = _fenced(_text(README))
    for lang, body in _fenced(_text(README_ZH)):
        assert (lang, body) in theirs, f"README.zh-CN.md has a ```{lang} block README.md lacks:\n{body}"


def test_zh_readme_badges_are_the_readmes():
    readme = _text(README)
    badges = BADGE_URL.findall(_text(README_ZH))
    assert badges, "README.zh-CN.md has no Colab or Binder link"
    stale = [url for url in badges if url not in readme]
    assert not stale, f"links not in README.md (rerun of scripts/badges.py?): {stale}"


def test_readme_links_to_the_zh_readme():
    head = _text(README).split("\n## ", 1)[0]
    assert "](README.zh-CN.md)" in head, "README.md's top should link README.zh-CN.md"


# (b) links to repository files point to files that exist


@pytest.mark.parametrize("path", [README_ZH, GLOSSARY], ids=lambda p: p.name)
def test_links_to_repository_files_exist(path):
    targets = [t for t in LINK.findall(_text(path)) if not re.match(r"[a-z][a-z0-9+.-]*:|#", t)]
    assert targets, f"{path.name} links no repository file"
    missing = [t for t in targets if not (path.parent / t.split("#", 1)[0]).exists()]
    assert not missing, f"{path.name} links files that do not exist: {missing}"


# (c) every glossary row is filled in, in both languages, once


def test_glossary_rows_are_complete_and_bilingual():
    rows = glossary_rows()
    assert len(rows) >= 80, f"only {len(rows)} glossary rows found: is the table header still '| English |'?"
    for row in rows:
        assert len(row) == 5, f"a row needs 5 cells (English, 中文, two meanings, first taught in): {row}"
        english, chinese, meaning, meaning_zh, first = row
        assert english and re.search(r"[A-Za-z]", english), f"no English term: {row}"
        assert CJK.search(chinese), f"no Chinese term for {english!r}"
        assert re.search(r"[A-Za-z]{2}", meaning), f"no English meaning for {english!r}"
        assert CJK.search(meaning_zh), f"no Chinese meaning for {english!r}"
        assert first, f"empty 'first taught in' for {english!r} (write {NO_NOTEBOOK} if none)"


def test_glossary_terms_are_not_repeated():
    seen: dict[str, int] = {}
    for english, *_ in glossary_rows():
        seen[english.lower()] = seen.get(english.lower(), 0) + 1
    repeated = sorted(term for term, count in seen.items() if count > 1)
    assert not repeated, f"terms listed twice: {repeated}"


def test_glossary_symbols_have_both_meanings():
    rows = _table_rows(_text(GLOSSARY), "symbol")
    assert len(rows) >= 10, "the Symbols table is missing or its header is not '| symbol |'"
    for row in rows:
        assert len(row) == 3 and row[0], f"a symbol row needs 3 cells: {row}"
        assert re.search(r"[A-Za-z]{2}", row[1]) and CJK.search(row[2]), f"a meaning is missing: {row}"


# (d) every notebook named in "first taught in" exists


def test_first_taught_in_names_existing_notebooks():
    notebooks = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    for english, *_, first in glossary_rows():
        if first == NO_NOTEBOOK:
            continue
        names = NOTEBOOK_NAME.findall(first)
        assert names, f"{english!r}: 'first taught in' is neither a notebook nor {NO_NOTEBOOK}: {first!r}"
        assert len(set(names)) == 1, f"{english!r}: name one notebook, linked to itself: {first!r}"
        unknown = sorted(set(names) - notebooks)
        assert not unknown, f"{english!r} is said to be taught in notebooks that do not exist: {unknown}"
