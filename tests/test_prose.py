"""What can be counted of the course's prose (issue #18): short cells, short sentences, the minutes each section takes,
a few objectives per chapter. The measures are scripts/prose_stats.py's, so an author sees the same numbers."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import prose_stats  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_markdown_cell_is_over_200_words(path):
    nb = nbformat.read(path, as_version=4)
    long = {
        i: prose_stats.words(c.source)
        for i, c in enumerate(nb.cells)
        if c.cell_type == "markdown" and prose_stats.words(c.source) > prose_stats.MAX_CELL_WORDS
    }
    assert not long, (
        f"markdown cells over {prose_stats.MAX_CELL_WORDS} words (cell: words): {long}; split them"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_sentences_are_short_on_average(path):
    mean = prose_stats.stats(path)["sentence mean"]
    assert mean < prose_stats.MAX_SENTENCE_MEAN, f"{path.name}: sentences average {mean} words"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_section_states_its_minutes_and_they_add_up_to_at_most_an_hour(path):
    nb = nbformat.read(path, as_version=4)
    total, sections = prose_stats.minutes(nb)
    assert total is not None, "the first cell must say '**Time:** about T minutes'"
    assert total <= prose_stats.MAX_MINUTES, f"{path.name} takes {total} minutes: split it (at most 60)"
    missing = [heading for heading, m in sections if m is None]
    assert not missing, f"sections without '(M min)' at the end of their heading: {missing}"
    assert sum(m for _, m in sections) == total, (
        f"the sections' minutes add up to {sum(m for _, m in sections)}, the first cell says {total}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_at_most_four_objectives(path):
    count = prose_stats.objectives(nbformat.read(path, as_version=4))
    assert 1 <= count <= prose_stats.MAX_OBJECTIVES, (
        f"{path.name} lists {count} objectives under 'You will learn to'"
    )


def test_the_counts_are_right_on_a_known_text():
    text = "A short one. Then another sentence here!\n\n- a list item\n- $$x^2$$ math is not prose\n\n```\ncode. not. prose.\n```"
    assert prose_stats.sentences(text) == [3, 4, 3, 4]
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "# T\n\n**You will learn to**\n- a;\n- b,\n  still b;\n- c.\n\n**Time:** about 9 minutes"
            ),
            nbformat.v4.new_markdown_cell("## 1. One (4 min)\n\ntext\n\n## Summary (5 min)"),
            nbformat.v4.new_markdown_cell("## Exercises"),
        ]
    )
    assert prose_stats.objectives(nb) == 3
    assert prose_stats.minutes(nb) == (
        9,
        [("1. One (4 min)", 4), ("Summary (5 min)", 5), ("Exercises", None)],
    )
