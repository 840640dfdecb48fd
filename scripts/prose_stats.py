"""What can be counted of a chapter's prose: words per markdown cell, words per sentence, minutes per section.

    python scripts/prose_stats.py notebooks/*.ipynb      # one line per notebook, then the cells over the limits

The limits (tests/test_prose.py enforces them): no markdown cell over 200 words, a notebook's sentences under 20 words
on average, each `## ` section stating its minutes as `(M min)` at the end of its heading, the sections' minutes
adding up to the first cell's "**Time:** about T minutes", T at most 60, and at most 4 objectives.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

MAX_CELL_WORDS = 200
MAX_SENTENCE_MEAN = 20
MAX_MINUTES = 60
MAX_OBJECTIVES = 4

FENCE = re.compile(r"```.*?```", re.S)  # code shown in a markdown cell is not prose
DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
LINK_TARGET = re.compile(r"\]\([^)]*\)")  # [text](target): the target is not read
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$", re.M)
HEADING = re.compile(r"^#+ .*$", re.M)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9*$`(\"'-])|\n\s*\n|\n\s*[-*] ")
SECTION = re.compile(r"^## (.+?)\s*$", re.M)
SECTION_MINUTES = re.compile(r"\((\d+) min\)$")
TIME = re.compile(r"\*\*Time:\*\* about (\d+) minutes")
OBJECTIVES = re.compile(r"\*\*You will learn to\*\*\n((?:[-*] .*\n(?:  +.*\n)*)+)")


def words(source: str) -> int:
    """Words in a markdown cell, as a reader counts them (every whitespace-separated token)."""
    return len(source.split())


def prose(source: str) -> str:
    """The running text of a markdown cell: no code fences, display math, link targets, tables or headings."""
    for pattern in (FENCE, DISPLAY_MATH, TABLE_ROW, HEADING):
        source = pattern.sub(" ", source)
    return LINK_TARGET.sub("]", source)


def sentences(source: str) -> list[int]:
    """Word counts of the sentences (and list items) of a markdown cell's running text."""
    parts = SENTENCE_END.split(prose(source))
    counts = (len(p.strip().lstrip("-*").split()) for p in parts)  # a list item's bullet is not a word
    return [n for n in counts if n]


def minutes(nb) -> tuple[int | None, list[tuple[str, int | None]]]:
    """The first cell's stated minutes, and each `## ` section's heading with its stated minutes (None: not stated)."""
    stated = TIME.search(nb.cells[0].source)
    sections = []
    for cell in nb.cells[1:]:
        if cell.cell_type != "markdown":
            continue
        for heading in SECTION.findall(cell.source):
            found = SECTION_MINUTES.search(heading)
            sections.append((heading, int(found.group(1)) if found else None))
    return (int(stated.group(1)) if stated else None), sections


def objectives(nb) -> int:
    """Items of the first cell's "**You will learn to**" list."""
    found = OBJECTIVES.search(nb.cells[0].source + "\n")
    return len(re.findall(r"^[-*] ", found.group(1), re.M)) if found else 0


def stats(path: str | Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    counts = [words(s) for s in markdown]
    lengths = [n for s in markdown for n in sentences(s)]
    total, sections = minutes(nb)
    return {
        "notebook": Path(path).name,
        "markdown words": sum(counts),
        "longest cell": max(counts),
        "cells over 200": [
            i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and words(c.source) > 200
        ],
        "sentence mean": round(sum(lengths) / len(lengths), 1),
        "minutes stated": total,
        "section minutes": sum(m or 0 for _, m in sections),
        "sections without minutes": [h for h, m in sections if m is None],
        "objectives": objectives(nb),
    }


def main(paths: list[str]) -> int:
    for path in paths:
        s = stats(path)
        print(" · ".join(f"{k}: {v}" for k, v in s.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
