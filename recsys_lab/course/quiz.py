"""Self-checks for the course (§6): the article's FAQ as questions that grade an answer and say where to read more.

Each `Question` names the notebook and the markdown heading that answer it. `check` grades one answer (a choice
index, or a set of indices for a "select all" question) and never raises on bad input: it says what was wrong.

>>> q = QUESTIONS[1]
>>> check(q, q.answer).correct
True
>>> check(q, 7).message
'There is no choice 7: the choices are numbered 0 to 3.'
>>> quiz_widget()            # one block per question, a Check button each, a running score  # doctest: +SKIP
"""

from __future__ import annotations

import html
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_TEXT_STYLE = "line-height: 1.4; margin: 4px 0;"  # else HTML widgets space wrapped lines like form rows


@dataclass(frozen=True)
class Question:
    """A multiple-choice question, its key, why the key is right, and where the course teaches it.

    `answer` is an index into `choices`, or a frozenset of indices for a "select all that apply" question.
    `section` is a markdown heading of `notebook`, exactly as written there (e.g. "## 3. The fix: ...").
    """

    prompt: str
    choices: tuple[str, ...]
    answer: int | frozenset[int]
    explanation: str
    notebook: str
    section: str

    @property
    def multiple(self) -> bool:
        """True for a "select all that apply" question."""
        return isinstance(self.answer, frozenset)

    @property
    def pointer(self) -> str:
        """Where to read the answer, e.g. "see 03_inner_product.ipynb · ## 6. Dot vs cosine: ..."."""
        return f"see {self.notebook} · {self.section}"


@dataclass(frozen=True)
class Feedback:
    """The grade of one answer: `correct`, a `message` saying why, the `pointer`; `answered` is False when the
    selection was empty or malformed (then `message` says what to do)."""

    correct: bool
    message: str
    pointer: str
    answered: bool = True

    def __str__(self) -> str:
        """What an exercise cell prints: the message, and the hint only while the answer is not correct."""
        return self.message if self.correct or not self.pointer else f"{self.message}\nhint: {self.pointer}"


def _selection(question: Question, selected) -> set[int] | str:
    """The selected indices as a set, or a message saying what is wrong with `selected`."""
    last = len(question.choices) - 1
    if selected is None:
        items = []
    elif isinstance(selected, (str, bytes)) or not isinstance(selected, Iterable):
        items = [selected]
    else:
        items = list(selected)
    if not items:
        return f"No answer selected: pick {'at least one choice' if question.multiple else 'a choice'}, then check."
    for item in items:
        try:
            index = operator.index(item)  # ints and numpy integers; not floats, strings or bools
        except TypeError:
            index = None
        if index is None or isinstance(item, bool):
            return f"{item!r} is not a choice: answer with choice numbers from 0 to {last}."
        if not 0 <= index <= last:
            return f"There is no choice {index}: the choices are numbered 0 to {last}."
    picked = {operator.index(item) for item in items}
    if len(picked) > 1 and not question.multiple:
        return f"This question has one answer, and {len(picked)} choices were selected: pick exactly one."
    return picked


def check(question: Question, selected: int | Iterable[int] | None) -> Feedback:
    """Grade `selected` against the question's key.

    Args:
        question: the question answered.
        selected: None (nothing picked), a choice index, or an iterable of indices ("select all" questions).

    Returns:
        Feedback: `correct`, and a message with the explanation (and, for a "select all" question answered
        wrongly, how many right and wrong choices were picked); bad input gives `answered=False` and a message.
    """
    picked = _selection(question, selected)
    if isinstance(picked, str):
        return Feedback(False, picked, question.pointer, answered=False)
    key = question.answer if question.multiple else {question.answer}
    if picked == key:
        return Feedback(True, f"Correct. {question.explanation}", question.pointer)
    head = "Not quite."
    if question.multiple:
        wrong = len(picked - key)
        head = (
            f"Not quite: you picked {len(picked & key)} of the {len(key)} right choices and {wrong} wrong one"
        )
        head += "." if wrong == 1 else "s."
    return Feedback(False, f"{head} {question.explanation}", question.pointer)


def score(answers: Iterable[tuple[Question, int | Iterable[int] | None]]) -> tuple[int, int]:
    """(number correct, number of questions) for `(question, selected)` pairs; unanswered ones count as wrong.

    >>> score([(QUESTIONS[1], QUESTIONS[1].answer), (QUESTIONS[2], None)])
    (1, 2)
    """
    grades = [check(question, selected).correct for question, selected in answers]
    return sum(grades), len(grades)


def quiz_widget(questions: Sequence[Question] | None = None):
    """The quiz as ipywidgets: per question its choices, a Check button and the feedback; a running score on top.

    Returns a VBox whose children are the score (HTML) and one VBox per question holding, in order, the prompt
    (HTML), the choices (RadioButtons, or a VBox of Checkboxes for "select all"), the Check button and the
    feedback (HTML). Drive it from Python: set the choice's `.value`, then call the button's `.click()`.

    Args:
        questions: the questions to show, numbered from 1 in this order; default: all of `QUESTIONS`.
    """
    import ipywidgets as w

    questions = QUESTIONS if questions is None else questions
    scoreboard, results = w.HTML(), {}

    def show_score() -> None:
        right = sum(results.values())
        scoreboard.value = f"<b>Score: {right} of {len(questions)}</b> ({len(results)} checked)"

    def block(number: int, question: Question) -> w.VBox:
        hint = " <i>(select all that apply)</i>" if question.multiple else ""
        prompt = w.HTML(
            f'<div style="{_TEXT_STYLE}"><b>{number}. {html.escape(question.prompt)}</b>{hint}</div>'
        )
        width = w.Layout(width="max-content")
        if question.multiple:
            chooser = w.VBox(
                [w.Checkbox(False, description=c, indent=False, layout=width) for c in question.choices]
            )
        else:
            chooser = w.RadioButtons(
                options=[(c, i) for i, c in enumerate(question.choices)], value=None, layout=width
            )
        button, feedback = w.Button(description="Check", button_style="primary"), w.HTML()

        def on_check(_) -> None:
            if question.multiple:
                selected = {i for i, box in enumerate(chooser.children) if box.value}
            else:
                selected = chooser.value
            graded = check(question, selected)
            if graded.answered:
                results[number] = graded.correct
            colour = "seagreen" if graded.correct else ("firebrick" if graded.answered else "gray")
            feedback.value = (
                f'<div style="{_TEXT_STYLE} color:{colour}">{html.escape(graded.message)}'
                f"<br><i>{html.escape(graded.pointer)}</i></div>"
            )
            show_score()

        button.on_click(on_check)
        return w.VBox([prompt, chooser, button, feedback], layout=w.Layout(margin="0 0 16px 0"))

    show_score()
    return w.VBox([scoreboard, *(block(n, q) for n, q in enumerate(questions, start=1))])


def _q(prompt, choices, answer, explanation, notebook, section) -> Question:
    key = frozenset(answer) if isinstance(answer, (set, frozenset)) else answer
    return Question(prompt, tuple(choices), key, explanation, notebook, section)


_06 = "06_end_to_end.ipynb"
QUESTIONS: tuple[Question, ...] = (
    _q(
        "Which jobs does this course give a neural network inside a recommender?",
        (
            "Summarise a user's rating history as an interest vector (an autoencoder)",
            "Stand in for a train/test split, since a deep model cannot overfit",
            "Turn an item's content, such as its title or poster, into features (a CNN)",
            "Place users and items in one space, where an inner product scores a pair",
            "Guarantee better top-K lists than popularity, by predicting ratings well",
            "Predict a user's rating of a movie from what is known of both (an MLP)",
        ),
        {0, 2, 3, 5},
        "Chapters 02–05 are the four jobs: interests from a history, features from content, one space for "
        "similarity, a regression for interest. None of them removes the need to split and measure. Every model "
        "is judged on held-out data, beside a baseline. And predicting ratings well does not by itself give good "
        "top-K lists: chapter 06 puts every model on one table, and popularity ranks better than most rating models.",
        _06,
        "## 7. Every model on one table",
    ),
    _q(
        "An autoencoder rebuilds each user's rating row, 0 where nothing was rated. Why does AutoRec's loss count "
        "only the rated entries?",
        (
            "Unrated means disliked, and the mask hides that negative signal from the model",
            "Zeros give no gradient, so without the mask the network cannot be trained at all",
            "Unmasked, it learns to predict about 0 for every unrated movie, held-out ones too",
            "It only makes each epoch faster: the predictions come out just the same either way",
        ),
        2,
        "Most cells of the matrix are empty. So the cheapest way to lower an unmasked loss is to predict 0 nearly "
        "everywhere. The held-out ratings are empty cells during training, so they get values near 0 too: worse "
        "than predicting the mean. An empty cell means unknown, not disliked. With the mask, unrated entries add "
        "nothing to the loss, and the network may predict there what the ratings suggest.",
        "02_autoencoder.ipynb",
        "## 2. The article's autoencoder, taken literally",
    ),
    _q(
        "A movie was added this morning and nobody has rated it yet. What does a CNN over its title or poster "
        "buy a recommender?",
        (
            "Better predictions for popular movies, where content beats thousands of ratings",
            "Nothing until the movie has ratings: the CNN needs each item's ratings as its input",
            "A sure win in top-K lists, since content also shows how popular a movie will be",
            "A place in the users' space from its content alone, so it can be scored on day one",
        ),
        3,
        "A model of ids knows nothing about an item it never saw rated (a cold-start item). But the item's content "
        "exists from day one. The CNN is trained to predict where biased MF put each rated movie, so a new movie "
        "lands in the space where the users are. Content does not show popularity, though. Guessing which new "
        "movies people will watch stays hard.",
        "04_cnn_item_features.ipynb",
        "## 3. What to train the CNN for",
    ),
    _q(
        "The article dots a 16-d user code from an autoencoder with a 64-d movie vector from a CNN. What happens?",
        (
            "It works: numpy broadcasts the shorter vector to the length of the longer one",
            "It is undefined; padding to 64-d gives a number, but one that still means nothing",
            "Pad the code with 48 zeros and the scores become valid similarities between the two",
            "Keep the movie vector's first 16 numbers: they hold most of its information",
        ),
        1,
        "An inner product multiplies coordinate k of one vector with coordinate k of the other. Both vectors need "
        "the same dimension, and coordinates that mean the same thing. Two models trained apart never agreed on "
        "what coordinate k means. Even the same information, rotated, scores like a random list (chapter 03 "
        "measures it). The fix is to learn both sides together, through one loss on user–item data.",
        "03_inner_product.ipynb",
        "## 2. Why the article's 16-d · 64-d product fails",
    ),
    _q(
        "In the two-tower model's space, what changes when items are ranked by cosine instead of dot product?",
        (
            "Less popular movies come up, and NDCG@10 drops: length tracked popularity",
            "Nothing: for a fixed user, cosine and dot product always rank the items alike",
            "Accuracy improves, because dividing out the lengths removes the noise in them",
            "More popular movies get recommended, because cosine favours long vectors",
        ),
        0,
        "⟨p_u, q_i⟩ = ‖p_u‖‖q_i‖cos φ. For one user ‖p_u‖ is a constant, but ‖q_i‖ differs from item to item. In "
        "the two-tower space, popular items have longer vectors. Cosine divides that length out. Its lists reach "
        "further into the tail and score a lower NDCG, because what users went on to watch is mostly popular. "
        "Neither is right in general: it is a trade between accuracy and discovery, to be measured.",
        "03_inner_product.ipynb",
        "## 6. Dot vs cosine: what the length of a vector encodes",
    ),
    _q(
        "Biased MF predicts ratings better than popularity does (lower RMSE). Why can ranking by its predicted "
        "rating still lose to popularity on top-K lists?",
        (
            "NDCG counts popular items twice, so popularity wins on it by construction",
            "Popularity peeks at the test ratings; a fair split would remove its lead",
            "RMSE and NDCG measure the same thing, so a gap between them can only be a bug",
            "It predicts how you would rate a movie once seen, not which one you will see",
        ),
        3,
        "A rating model is fitted to the ratings people gave to movies they chose to see. Ranked by its "
        "predictions, movies with a few enthusiastic ratings rise to the top. But the held-out movies people "
        "watched are mostly popular ones. Popularity is fitted on the training part only, like every model. "
        "Top-K lists need a ranking objective: on ml-100k, chapter 03's two-tower model ranks better than "
        "popularity on full-catalogue NDCG@10.",
        "03_inner_product.ipynb",
        "## 5. Top-K retrieval for every user",
    ),
    _q(
        "A regression maps a user's history to a 64-number vector of movie image features, and the article "
        "recommends the index of its largest entry. What is wrong?",
        (
            "Nothing, provided the regression is trained for enough epochs to converge",
            "It picks a feature index, not a movie: score every pair, then rank the movies",
            "It should be the argmin, since a smaller value means a smaller loss",
            "Nothing, provided the features are standardised before the argmax is taken",
        ),
        1,
        "An argmax over 64 feature dimensions returns a number from 0 to 63: a feature index. Read as a movie, "
        "only the first 64 movies of the catalogue can ever be recommended. That is an accident of numbering, not "
        "taste. A regression recommender predicts a score for every (user, movie) pair. Recommending is ranking "
        "the unseen movies by that score.",
        "05_regression.ipynb",
        "## 7. The article's version: a regression onto image features, and an argmax",
    ),
    _q(
        "What does gradient descent do when its learning rate is too large?",
        (
            "It reaches the same minimum as a small rate, only in fewer steps",
            "It settles in a worse minimum, but the loss stays stable",
            "Each step overshoots by more than the last, and the loss blows up",
            "It overfits: the training loss falls while the validation loss rises",
        ),
        2,
        "Near a minimum the loss is roughly a bowl. A step multiplies the distance to the bottom by (1 − ηκ), "
        "where κ is the curvature along the steepest direction. Past η = 2/κ that factor is below −1. Each step "
        "then lands higher up the other side, and the loss explodes. A little below that edge, the first steps "
        "overshoot, then settle. Overfitting is another failure: many steps that fit the training data too well.",
        "05_regression.ipynb",
        "## 2. The learning rate decides",
    ),
    _q(
        "Most of ml-100k's rating matrix is empty (about 94 %), and many movies have only a few ratings. Which "
        "of the article's challenges is that, and how does the course meet it?",
        (
            "Data quality: mask the loss, split first, describe rarely rated items by content",
            "Scale: drop most of the users, so that the rating matrix fits in memory",
            "Data quality: fill the empty cells with 0, so that every model sees a full matrix",
            "Explainability: sparse data cannot be explained, so report training error only",
        ),
        0,
        "Missing and noisy data is the article's data-quality challenge; chapter 07 measures what it costs. "
        "The course reads an empty cell as unknown. Losses count only the observed ratings (02). Every model is "
        "judged on ratings it never saw, beside baselines (01). Items with few ratings get features from their "
        "content (04). Filling the holes with 0 teaches a model that unrated means disliked; chapter 02 measures "
        "that failing.",
        "07_scale_and_data_quality.ipynb",
        "## Data quality",
    ),
    _q(
        "The catalogue grows from 1,682 movies to ten million, and top-K lists must come back while the user "
        "waits. Which step follows the trend towards efficient algorithms for large data?",
        (
            "Score each user in a Python loop, which needs less memory than a matrix product",
            "An approximate nearest-neighbour index, and a measure of the recall it keeps",
            "Evaluate on 99 sampled negatives: cheaper, and it ranks the models the same way",
            "Deeper towers, so that each item vector holds more information",
        ),
        1,
        "Exact retrieval costs |I|·d multiply-adds per user: fine for MovieLens, too slow per request at ten "
        "million items. An index such as HNSW looks at a small part of the catalogue, so it can miss true top-K "
        "items. Its recall is therefore reported beside its speed-up (chapter 03 measures both). Sampled "
        "negatives are cheaper to evaluate but can reorder models. A Python loop is far slower than one "
        "vectorised product.",
        "03_inner_product.ipynb",
        "## 9. Far larger catalogues: approximate nearest neighbours",
    ),
    _q(
        "Nobody labels what the 500 numbers of an autoencoder's user code mean. How can you check that they "
        "capture taste?",
        (
            "Read each code dimension's weights: every dimension stands for one genre",
            "You cannot: a network is a black box, and only its test error can be judged",
            "Watch the training loss: the lower it goes, the more meaningful the codes",
            "Regress known tastes (synthetic world) on the codes, beside control probes",
        ),
        3,
        "In the synthetic world each user's planted taste is known, so the question can be measured. A ridge "
        "regression from code to planted taste, scored on held-out users, recovers more than the same probe on "
        "the raw rating rows or on an untrained network's codes (chapter 02). That is one way to explain a black "
        "box: test a guess about what a representation holds, with controls. The coordinates of a learned code "
        "rarely match named concepts, and a low training loss can come from memorising.",
        "02_autoencoder.ipynb",
        "## 7. What the codes mean",
    ),
    _q(
        "The article expects simpler models as a trend, since deep ones are hard to tune and overfit. What did "
        "the kit measure on ml-100k's five official folds?",
        (
            "The MLP beat biased MF on every fold, as the deeper model always does",
            "The two tied exactly: the choice of model does not matter on MovieLens",
            "A tuned dot product (biased MF) beat the MLP on four folds of five",
            "The MLP did worse than the user+item bias baseline",
        ),
        2,
        "Each model was tuned on a validation slice of its training part. The MLP beat the bias baseline on every "
        "fold, and the dot product beat the MLP on four folds of five (measured by `python -m "
        "benchmarks.regression_targets`; chapter 05 compares the two on one split). An MLP can represent a dot "
        "product, but learning one takes more data than ml-100k has (Rendle et al. 2020). And without dropout, L2 "
        "or early stopping, the MLP overfits within a few epochs.",
        "05_regression.ipynb",
        "## 5. MLP against a dot product",
    ),
    _q(
        "Where are the article's code example and its FAQ in this course?",
        (
            "The article's listing is pasted into 06 and run as it is; the FAQ is in the README",
            "06 builds the recommender from the recsys_lab package; the FAQ is this quiz, 09",
            "Every notebook keeps its own copy of all the models; the FAQ was left out",
            "There is no code to run: the notebooks only describe the models",
        ),
        1,
        "Notebook 06 rebuilds the article's six-step movie recommender, its defects fixed, from the models of the "
        "recsys_lab package. Each model is one short module under recsys_lab/models/, written in cells in the "
        "chapter that teaches it. The article's code is never pasted. Where its version of a step is wrong, a "
        "notebook re-creates that step in a few lines and measures it. The FAQ's ten questions are this quiz.",
        _06,
        "# 06 · The movie recommender, end to end",
    ),
)
