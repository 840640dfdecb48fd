"""The FAQ quiz: well-formed questions, grading (right, wrong, select-all, bad input), the widget, the pointers."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from recsys_lab.course.quiz import QUESTIONS, Question, check, quiz_widget, score

from ..helpers import ROOT

SINGLE = Question(
    "Which is even?", ("1", "2", "3"), 1, "2 is divisible by 2.", "01_data_tour.ipynb", "## 1. X"
)
MULTI = Question(
    "Which are even?", ("1", "2", "3", "4"), frozenset({1, 3}), "2 and 4.", "01_data_tour.ipynb", "## 1. X"
)


def test_quiz_does_not_import_tensorflow():
    import subprocess
    import sys

    code = "import sys, recsys_lab.course.quiz; print('tensorflow' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    )


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.prompt[:40])
def test_every_question_is_well_formed(question):
    assert question.prompt.strip() and question.explanation.strip()
    assert len(question.choices) >= 3 and len(set(question.choices)) == len(question.choices)
    assert all(c.strip() for c in question.choices)
    assert all(len(c) <= 100 for c in question.choices), (
        "a choice must fit on one line beside its radio button"
    )
    key = question.answer if question.multiple else {question.answer}
    assert key and all(isinstance(i, int) and 0 <= i < len(question.choices) for i in key)
    assert question.notebook.endswith(".ipynb") and question.section.startswith("#")
    assert check(question, question.answer).correct


def test_the_bank_covers_the_faq():
    assert 10 <= len(QUESTIONS) <= 16
    assert len({q.prompt for q in QUESTIONS}) == len(QUESTIONS)
    assert {q.notebook[:2] for q in QUESTIONS} >= {"02", "03", "04", "05", "06", "07"}
    assert any(q.multiple for q in QUESTIONS) and any(not q.multiple for q in QUESTIONS)


def test_right_and_wrong_single_answers():
    right = check(SINGLE, 1)
    assert right.correct and right.answered and right.message == "Correct. 2 is divisible by 2."
    assert right.pointer == "see 01_data_tour.ipynb · ## 1. X"
    wrong = check(SINGLE, 0)
    assert not wrong.correct and wrong.answered and wrong.message.startswith("Not quite.")
    assert "2 is divisible by 2." in wrong.message  # the explanation comes with a wrong answer too
    assert check(SINGLE, {1}).correct and check(SINGLE, [1]).correct and check(SINGLE, np.int64(1)).correct


def test_select_all_answers():
    assert check(MULTI, {1, 3}).correct and check(MULTI, [3, 1, 3]).correct
    partial = check(MULTI, {1, 2})
    assert not partial.correct and partial.answered
    assert "1 of the 2 right choices and 1 wrong one." in partial.message
    assert (
        not check(MULTI, 1).correct
        and "1 of the 2 right choices and 0 wrong ones." in check(MULTI, 1).message
    )


@pytest.mark.parametrize(
    ("question", "selected", "says"),
    [
        (SINGLE, None, "No answer selected: pick a choice"),
        (SINGLE, [], "No answer selected"),
        (MULTI, set(), "pick at least one choice"),
        (SINGLE, 3, "There is no choice 3: the choices are numbered 0 to 2."),
        (SINGLE, -1, "There is no choice -1"),
        (MULTI, {1, 9}, "There is no choice 9"),
        (SINGLE, "b", "'b' is not a choice"),
        (SINGLE, 1.0, "1.0 is not a choice"),
        (SINGLE, True, "True is not a choice"),
        (SINGLE, {0, 1}, "This question has one answer, and 2 choices were selected"),
    ],
)
def test_bad_input_gives_a_message_not_a_traceback(question, selected, says):
    feedback = check(question, selected)
    assert not feedback.correct and not feedback.answered
    assert says in feedback.message


def test_score_counts_right_answers():
    assert score([]) == (0, 0)
    assert score([(SINGLE, 1), (MULTI, {1, 3}), (SINGLE, 0), (MULTI, None), (SINGLE, 7)]) == (2, 5)
    assert score((q, q.answer) for q in QUESTIONS) == (len(QUESTIONS), len(QUESTIONS))


def test_widget_grades_and_keeps_score():
    box = quiz_widget([SINGLE, MULTI])
    scoreboard, single, multi = box.children
    assert "Score: 0 of 2" in scoreboard.value
    prompt, choices, button, feedback = single.children
    assert "Which is even?" in prompt.value and choices.value is None

    button.click()  # nothing selected: a message, and the score is unchanged
    assert "No answer selected" in feedback.value and "(0 checked)" in scoreboard.value
    choices.value = 0
    button.click()
    assert "Not quite." in feedback.value and "see 01_data_tour.ipynb" in feedback.value
    assert "Score: 0 of 2</b> (1 checked)" in scoreboard.value
    choices.value = 1
    button.click()
    assert "Correct." in feedback.value and "Score: 1 of 2</b> (1 checked)" in scoreboard.value

    prompt, boxes, button, feedback = multi.children
    assert "select all that apply" in prompt.value and len(boxes.children) == 4
    boxes.children[1].value = boxes.children[3].value = True
    button.click()
    assert "Correct." in feedback.value and "Score: 2 of 2</b> (2 checked)" in scoreboard.value


def test_widget_escapes_html():
    odd = Question("Is <b> bold?", ("a<b", "b", "c"), 0, "x < y & z", "01_data_tour.ipynb", "## 1. X")
    _, block = quiz_widget([odd]).children
    assert "Is &lt;b&gt; bold?" in block.children[0].value
    block.children[1].value = 0
    block.children[2].click()
    assert "x &lt; y &amp; z" in block.children[3].value


def test_widget_defaults_to_the_whole_bank():
    assert len(quiz_widget().children) == len(QUESTIONS) + 1


def _headings(path: Path) -> set[str]:
    """The markdown headings of a notebook, without the minutes a section states (read from the JSON: nothing is
    run): "## 3. Top-K (8 min)" is "## 3. Top-K"."""
    cells = nbformat.read(path, as_version=4).cells
    return {
        re.sub(r" \(\d+ min\)$", "", line.rstrip())
        for cell in cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("#")
    }


_CITATION = re.compile(
    r"\b(?:chapters?|notebooks?)\s+(\d\d(?:(?:\s*[–-]\s*|\s*,\s*|\s+and\s+)\d\d)*)|\((\d\d)\)", re.I
)


def _cited_chapters(text: str) -> set[str]:
    """The chapter numbers a text names: "chapter 03", "chapters 03 and 05", "Chapters 02–05", "(02)"."""
    cited = set()
    for listed, bracketed in _CITATION.findall(text):
        if bracketed:
            cited.add(bracketed)
        for first, last in re.findall(r"(\d\d)(?:\s*[–-]\s*(\d\d))?", listed):
            cited.update(f"{n:02d}" for n in range(int(first), int(last or first) + 1))
    return cited


def _pointer_problems(question: Question) -> list[str]:
    """What is wrong with where a question points: no such notebook, no such heading in it, or an explanation that
    names other chapters than the one the pointer opens."""
    path = ROOT / "notebooks" / question.notebook
    if not path.is_file():
        return [f"there is no notebooks/{question.notebook}"]
    problems = []
    if question.section not in _headings(path):
        problems.append(f"{question.notebook} has no heading {question.section!r}")
    cited, chapter = _cited_chapters(question.explanation), question.notebook[:2]
    if cited and chapter not in cited:
        problems.append(f"the explanation names chapter(s) {sorted(cited)}, the pointer {question.notebook}")
    return problems


def test_citations_are_read_as_written():
    text = "Chapters 02–05 are the jobs (chapters 03 and 05 measure it; see (01), notebook 06 and chapter 7)."
    assert _cited_chapters(text) == {"01", "02", "03", "04", "05", "06"}
    assert _cited_chapters("No chapter here, 2 to 5 (2025).") == set()


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: f"{q.notebook[:2]} {q.section}")
def test_every_pointer_names_the_notebook_and_heading_that_teach_it(question):
    """The pointer opens a real notebook at one of its headings, and the explanation does not send the learner to
    another chapter (issue #18: Q10-Q12 pointed to 07's sections while their explanations named 04, 02 and 05)."""
    assert question.pointer == f"see {question.notebook} · {question.section}"
    assert not _pointer_problems(question)


@pytest.mark.parametrize(
    ("notebook", "section", "explanation", "says"),
    [
        (
            "07_scale_and_data_quality.ipynb",
            "## Scale",
            "It keeps 99.85 % of the top-10 (chapter 03).",
            "names chapter(s) ['03']",
        ),
        ("03_inner_product.ipynb", "## Scale", "Measured in chapter 03.", "has no heading '## Scale'"),
        ("03_inner_product.ipynb", "## 5. Top-K retrieval for every user (8 min)", "x", "no heading"),
        (
            "03_inner_product.ipynb",
            "9. Far larger catalogues: approximate nearest neighbours",
            "x",
            "no heading",
        ),
        ("09_nothing.ipynb", "## Scale", "x", "there is no notebooks/09_nothing.ipynb"),
    ],
)
def test_a_wrong_pointer_is_caught(notebook, section, explanation, says):
    wrong = Question("Which?", ("a", "b", "c"), 0, explanation, notebook, section)
    assert any(says in problem for problem in _pointer_problems(wrong)), _pointer_problems(wrong)
