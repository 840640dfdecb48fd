"""Checks for the chapters' code exercises: specific feedback and a hint, never a bare traceback.

Each `check_*` calls the learner's function on small inputs, compares with a reference written here, and, when the
result is wrong, recognises the typical mistakes (the unmasked loss, a flipped kernel, a leaking split...) to say
which one it is. It returns the `Feedback` the FAQ quiz uses (`recsys_lab.course.quiz`): `correct`, `message`, and in
`pointer` the hint. Hints climb: an exercise not done yet (a student version's stub raising NotImplementedError),
or code that crashes, gets the check's `question`, which points the way without a formula; a wrong answer gets the
named mistake and a more concrete hint; a correct one gets no hint (`print(feedback)` then prints only "correct").

numpy/pandas only: no TensorFlow here.

>>> def weighted_mse(y_true, y_pred, w):
...     c = np.where(y_true > 0, 1.0, w)
...     return (c * (y_true - y_pred) ** 2).sum() / c.sum()
>>> check_weighted_mse(weighted_mse).correct
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from recsys_lab.course.quiz import Feedback


def _run(exercise: str, question: str, fn: Callable, *args):
    """`fn(*args)` as a float64 array, or the Feedback that explains why it could not run."""
    return _call(exercise, question, lambda *a: np.asarray(fn(*a), dtype=np.float64), *args)


def _call(exercise: str, question: str, fn: Callable, *args):
    """`fn(*args)`, or the Feedback that explains why it could not run (a stub not done yet, or an error), with
    the exercise's first hint: a question that points the way without giving the formula."""
    try:
        return fn(*args)
    except NotImplementedError:
        return Feedback(
            False, f"Exercise {exercise} is not done yet: replace the stub with your code.", question, False
        )
    except Exception as error:  # the learner's code failed: say how, with the first hint
        return Feedback(False, f"Your function raised {type(error).__name__}: {error}", question, False)


def _verdict(exercise: str, hint: str, got, expected, mistakes: dict[str, np.ndarray]) -> Feedback:
    """Right when `got` ≈ `expected`; else the first of `mistakes` (a name → what that mistake gives) it matches."""
    if isinstance(got, Feedback):
        return got
    if got.shape != np.shape(expected):
        return Feedback(False, f"Exercise {exercise}: the result has shape {got.shape}, expected "
                               f"{np.shape(expected)}.", hint)  # fmt: skip
    if np.allclose(got, expected, rtol=1e-5, atol=1e-8):
        return Feedback(True, f"Exercise {exercise}: correct.", "")  # nothing more to say once it is right
    for mistake, wrong in mistakes.items():
        if np.shape(wrong) == got.shape and np.allclose(got, wrong, rtol=1e-5, atol=1e-8):
            return Feedback(False, f"Exercise {exercise}: not yet. It looks like {mistake}.", hint)
    return Feedback(False, f"Exercise {exercise}: not yet; the values differ from the reference.", hint)


def check_masked_gradient(fn: Callable) -> Feedback:
    """Chapter 02: `fn(y_true, y_pred)` is the gradient ∂L/∂y_pred of the masked loss L = Σ m (y_true - y_pred)² / Σ m,
    where NaN in `y_true` marks an unrated entry (m = 0 there): -2 m (y_true - y_pred) / Σ m, of y_pred's shape."""
    hint = ("For a rated entry the square's derivative is -2 * (y_true - y_pred), that is -2 * error; then divide "
            "by the number of ratings, m.sum(). An unrated entry gets 0, which is what error holds there.")  # fmt: skip
    question = (
        "When the prediction of one rated entry grows a little, does the squared error grow or shrink, and "
        "how fast? And by how many entries does the masked loss divide?"
    )
    rng = np.random.default_rng(1)
    y_true = rng.integers(1, 6, size=(6, 9)).astype(np.float64)  # (rows, columns)
    y_true[rng.random((6, 9)) >= 0.3] = np.nan  # NaN = unrated
    y_pred = rng.uniform(1, 5, size=(6, 9))
    mask = ~np.isnan(y_true)
    error = np.where(mask, y_true - y_pred, 0.0)
    mistakes = {
        "the sign flipped: where the prediction is too low, the loss falls as it grows, so the gradient is "
        "negative there": 2 * error / mask.sum(),
        "the factor 2 of the square's derivative left out": -error / mask.sum(),
        "the gradient divided by every entry instead of by the ratings": -2 * error / mask.size,
        "the gradient of the sum, not of the mean: the division by the number of ratings is missing": -2
        * error,
    }
    got = _run("02.1", question, fn, y_true, y_pred)
    if not isinstance(got, Feedback) and got.shape == y_pred.shape and np.isnan(got).any():
        return Feedback(False, "Exercise 02.1: not yet; the gradient holds NaN where nothing was rated. Use error, "
                               "which is 0 there, not y_true - y_pred.", hint)  # fmt: skip
    return _verdict("02.1", hint, got, -2 * error / mask.sum(), mistakes)


def check_conv1d(fn: Callable) -> Feedback:
    """Chapter 04: `fn(x, kernel)` is a 'valid' 1-D convolution as Keras computes it: y_t = Σ_j x_{t+j} k_j."""
    hint = "Slide the kernel without flipping it, y[t] = sum_j x[t + j] * k[j]; 'valid' gives len(x) - len(k) + 1."
    question = (
        "Which entries of x does window t cover? Does Keras flip the kernel before it multiplies them? "
        "And how many positions does a 'valid' window fit in?"
    )
    x, kernel = np.array([1.0, 3.0, -2.0, 0.5, 4.0, 2.0, -1.0]), np.array([0.5, -1.0, 2.0])
    expected = np.correlate(x, kernel, mode="valid")
    mistakes = {"a flipped kernel: the textbook convolution, not Keras' cross-correlation":
                np.convolve(x, kernel, mode="valid")}  # fmt: skip
    got = _run("04.1", question, fn, x, kernel)
    if not isinstance(got, Feedback) and got.shape == (len(x),):
        return Feedback(False, "Exercise 04.1: the output has one value per input: that is 'same' padding, "
                               "not 'valid'.", hint)  # fmt: skip
    return _verdict("04.1", hint, got, expected, mistakes)


def check_scores(fn: Callable) -> Feedback:
    """Chapter 03: `fn(user_vectors, item_vectors)` is the `(num_users, num_items)` matrix of inner products."""
    hint = "One matrix product: user_vectors (users, d) @ item_vectors.T (d, items); no normalising."
    question = (
        "Which single matrix operation gives every user's inner product with every item at once, and "
        "which shapes must meet?"
    )
    rng = np.random.default_rng(4)
    users, items = rng.normal(size=(3, 5)), rng.normal(size=(7, 5))
    unit = lambda v: v / np.linalg.norm(v, axis=1, keepdims=True)  # noqa: E731
    mistakes = {"cosine similarity (the vectors were normalised): the course asks for the dot product":
                unit(users) @ unit(items).T}  # fmt: skip
    got = _run("03.1", question, fn, users, items)
    if not isinstance(got, Feedback) and got.shape == (7, 3):
        return Feedback(False, "Exercise 03.1: the result is transposed: rows should be users.", hint)
    feedback = _verdict("03.1", hint, got, users @ items.T, mistakes)
    if feedback.correct:  # vectors of two spaces must be refused, not silently truncated or padded
        mixed = _run("03.1", question, fn, rng.normal(size=(2, 16)), rng.normal(size=(4, 64)))
        if not isinstance(mixed, Feedback):
            return Feedback(False, "Exercise 03.1: 16-d users against 64-d items returned numbers; it must raise "
                                   "an error (vectors of different spaces have no inner product).", hint)  # fmt: skip
    return feedback


def check_gradient(fn: Callable) -> Feedback:
    """Chapter 05: `fn(x, y, w)` is ∂L/∂w for L = 1/(2N) Σ (y - x w)², with x `(N, F)`, y `(N,)`, w `(F,)`."""
    hint = "dL/dw = -(1/N) x^T (y - x w): the chain rule through the square and through x w."
    question = (
        "How does L change when w moves a little? Follow the chain rule through the square and through x "
        "w, and keep the 1/(2N)."
    )
    rng = np.random.default_rng(5)
    x, w = rng.normal(size=(8, 3)), rng.normal(size=3)
    y = x @ rng.normal(size=3) + 0.1 * rng.normal(size=8)
    residual = y - x @ w  # (N,)
    expected = -x.T @ residual / len(y)
    mistakes = {"a missing 1/N (the gradient of the sum, not of the mean)": -x.T @ residual,
                "a sign error (that is the direction to step in, the negative gradient)": x.T @ residual / len(y),
                "a missing factor 1/2 cancelled twice: 2/N instead of 1/N": -2 * x.T @ residual / len(y)}  # fmt: skip
    return _verdict("05.1", hint, _run("05.1", question, fn, x, y, w), expected, mistakes)


def check_reciprocal_rank(fn: Callable) -> Feedback:
    """Chapter 01: `fn(recommended, relevant, k)` is MRR@k: the mean over users of 1 / (rank of the first relevant
    item among the first k), 0 for a user without one."""
    hint = (
        "Per user: 1 divided by the rank of the first hit in the top k (ranks start at 1), 0 without a hit."
    )
    question = (
        "Which of a user's hits decides the user's score, and what should a user whose top k holds no relevant "
        "item score?"
    )
    recommended = np.array([[4, 7, 1, 9, 3], [2, 5, 8, 0, 6], [3, 1, 4, 2, 7], [9, 8, 7, 6, 5]])  # best first
    relevant = [{7, 9}, {6}, {3, 2, 7}, {6}]  # hits in the top 4: ranks 2 and 4; none; 1 and 4; 4
    k = 4
    hit_ranks = [[r for r, item in enumerate(row[:k], start=1) if item in rel]
                 for row, rel in zip(recommended, relevant, strict=True)]  # fmt: skip
    per_user = lambda score: np.mean([score(ranks) if ranks else 0.0 for ranks in hit_ranks])  # noqa: E731
    mistakes = {
        "1 / the rank of the last hit: the first hit is the one that counts": per_user(lambda r: 1 / r[-1]),
        "the mean of 1/rank over all of a user's hits: only the first hit counts": per_user(
            lambda r: np.mean([1 / x for x in r])
        ),
        "the sum of 1/rank over all of a user's hits: only the first hit counts": per_user(
            lambda r: sum(1 / x for x in r)
        ),
        "the rank itself, not its reciprocal": per_user(lambda r: r[0]),
    }
    got = _run("01.1", question, fn, recommended, relevant, k)
    if isinstance(got, Feedback) and "IndexError" in got.message:
        return Feedback(False, "Exercise 01.1: a user whose top k holds no relevant item made it fail "
                               "(IndexError): such a user scores 0.", hint)  # fmt: skip
    return _verdict("01.1", hint, got, per_user(lambda r: 1 / r[0]), mistakes)


def check_split(fn: Callable) -> Feedback:
    """Chapter 01: `fn(ratings, seed)` returns `(train, test)`: about 20 % of each user's ratings held out."""
    hint = "Per user: shuffle their ratings with the seed, keep 80 % for train and the rest for test; no pair in both."
    question = (
        "What must hold for every user: some ratings in train, some in test, no pair in both? And which "
        "generator makes the shuffle repeat?"
    )
    rng = np.random.default_rng(1)
    ratings = pd.DataFrame({"user_id": np.repeat(np.arange(1, 21), 10), "item_id": rng.permuted(
        np.tile(np.arange(1, 31), (20, 1)), axis=1)[:, :10].ravel(), "rating": rng.integers(1, 6, 200)})  # fmt: skip
    original = ratings.copy()
    result = _call("01.2", question, fn, ratings, 0)
    if isinstance(result, Feedback):
        return result
    train, test = result
    if not ratings.equals(original):
        return Feedback(False, "Exercise 01.2: your function changed its input; work on a copy.", hint)
    pairs = lambda t: set(zip(t["user_id"], t["item_id"], strict=True))  # noqa: E731
    if pairs(train) & pairs(test):
        return Feedback(
            False, "Exercise 01.2: some ratings are in both train and test: that leaks the answers.", hint
        )
    if pairs(train) | pairs(test) != pairs(ratings):
        return Feedback(
            False, "Exercise 01.2: train and test together must hold every rating exactly once.", hint
        )
    if set(test["user_id"]) - set(train["user_id"]):
        return Feedback(False, "Exercise 01.2: some users are only in test; split each user's ratings.", hint)
    share = test.groupby("user_id").size() / 10
    if not share.between(0.1, 0.3).all():
        return Feedback(False, f"Exercise 01.2: each user should have about 20 % in test; shares run from "
                               f"{share.min():.0%} to {share.max():.0%}.", hint)  # fmt: skip
    return Feedback(True, "Exercise 01.2: correct.", "")


def check_top_k(fn: Callable) -> Feedback:
    """Chapter 01: `fn(scores, seen, k)` is each user's top-k: `(num_users, k)` item indices, best first, no seen item.

    `scores` is `(num_users, num_items)`, `seen` a boolean array of the same shape (True: rated in training).
    """
    hint = "Give every seen item the score -inf, sort each row from the highest score down, keep the first k columns."
    question = (
        "Which items may never appear in a user's list, and in which order must the k chosen items come? "
        "Some scores are below 0."
    )
    rng = np.random.default_rng(11)
    scores = rng.permutation(np.linspace(-3.0, 2.0, 4 * 9)).reshape(4, 9)  # distinct scores, many below 0
    seen = np.zeros_like(scores, dtype=bool)
    seen[np.arange(4)[:, None], np.argsort(-scores, axis=1)[:, [0, 2]]] = (
        True  # each user rated two top items
    )
    seen[3, np.argsort(-scores[3])[3:6]] = (
        True  # the last user rated more: two of their top 3 unseen are below 0
    )
    k = 3
    order = lambda values: np.argsort(-values, axis=1, kind="stable")  # noqa: E731
    expected = order(np.where(seen, -np.inf, scores))[:, :k]
    mistakes = {
        "the seen items were not left out: a user would be shown what they already rated": order(scores)[:, :k],
        "the seen items got a score of 0: they still beat every unseen item scored below 0":
            order(np.where(seen, 0.0, scores))[:, :k],
        "the lowest scores first: the list must start with the best item":
            np.argsort(np.where(seen, np.inf, scores), axis=1, kind="stable")[:, :k],
    }  # fmt: skip
    got = _run("01.3", question, fn, scores, seen, k)
    if not isinstance(got, Feedback):
        if got.shape == scores.shape:
            return Feedback(False, "Exercise 01.3: the result ranks every item; keep only the first k.", hint)
        if got.shape == (k, len(scores)):
            return Feedback(False, "Exercise 01.3: the result is transposed: one row per user.", hint)
        if (
            got.shape == expected.shape
            and not np.allclose(got, expected)
            and all(set(g) == set(e) for g, e in zip(got, expected, strict=True))
        ):
            return Feedback(
                False, "Exercise 01.3: the right k items, but not best first: sort them by score.", hint
            )
    return _verdict("01.3", hint, got, expected, mistakes)


def check_fold_in(fn: Callable) -> Feedback:
    """Chapter 06: `fn(q, y, l2)` solves min_p Σ (y_j - q_j·p)² + l2 ‖p‖² for a new user's p `(d,)`."""
    hint = ("Set the gradient of the objective with respect to p to zero: a (d, d) linear system, the l2 added on its "
            "diagonal; solve it with np.linalg.solve rather than inverting.")  # fmt: skip
    question = (
        "The objective is a sum of squares plus a penalty on p: what do you get when you set its gradient"
        " with respect to p to zero?"
    )
    rng = np.random.default_rng(6)
    q, y, l2 = rng.normal(size=(4, 6)), rng.normal(size=4), 0.7
    expected = np.linalg.solve(q.T @ q + l2 * np.eye(6), q.T @ y)
    mistakes = {"least squares without the l2 term (with fewer ratings than dimensions it is not unique)":
                np.linalg.lstsq(q, y, rcond=None)[0]}  # fmt: skip
    return _verdict("06.1", hint, _run("06.1", question, fn, q, y, l2), expected, mistakes)


def check_user_top_k(fn: Callable) -> Feedback:
    """Chapter 06: `fn(scores, seen, k)` is a user's top-k list: the indices `(k,)` of the k highest `scores`
    `(num_items,)`, best first, never an index in `seen` (the movies rated in training)."""
    hint = ("Give the seen movies a score of -inf on a copy of scores, then take np.argsort(-scores)[:k]: "
            "item indices, best first.")  # fmt: skip
    question = "Which movies may not appear in the list, and how do you sort so that the best-scored movie comes first?"
    scores = np.array([0.3, 2.5, 1.1, 4.0, -0.7, 3.2, 0.9, 2.0])  # (8,) distinct: one right list
    seen, k = np.array([3, 6]), 3
    original = scores.copy()
    got = _run("06.2", question, fn, scores, seen, k)
    if isinstance(got, Feedback):
        return got
    if not np.array_equal(scores, original):
        return Feedback(False, "Exercise 06.2: your function changed `scores`; work on a copy.", hint)
    expected = np.array([5, 1, 7])  # 3 is seen, so 3.2, 2.5, 2.0
    if got.shape == (k,) and np.allclose(np.sort(got), np.sort(scores[expected])):
        return Feedback(False, "Exercise 06.2: these are the scores of the right movies; return their indices.",
                        hint)  # fmt: skip
    if (
        got.shape == (k,)
        and set(got.tolist()) == set(expected.tolist())
        and not np.array_equal(got, expected)
    ):
        return Feedback(False, "Exercise 06.2: the right movies in the wrong order: the best-scored one comes "
                               "first.", hint)  # fmt: skip
    mistakes = {
        "the seen movies were not left out (a user is never recommended what they already rated)":
            np.array([3, 5, 1]),
        "the lowest scores, not the highest (np.argsort sorts in ascending order)": np.array([4, 0, 2]),
    }  # fmt: skip
    return _verdict("06.2", hint, got, expected, mistakes)


def check_compare_l2(fn: Callable) -> Feedback:
    """Chapter 06: `fn(fold_in, learned, l2s)` is a dict l2 → RMSE between `fold_in(l2)` and `learned`, the
    scores `(num_items,)` a model folds in with penalty l2 and the scores it learned in training."""
    hint = ("For each l2 in l2s: gap = fold_in(l2) - learned; the value is the square root of the mean of "
            "gap ** 2, as a float; return a dict keyed by l2.")  # fmt: skip
    question = (
        "What does the dict hold for each penalty, and how do you turn two score vectors into one number?"
    )
    learned = np.array([3.0, 4.0, 2.5, 5.0])
    fold_in = lambda l2: learned + np.array([1.0, -1.0, 1.0, -1.0]) * l2  # noqa: E731 (toy: the gap grows with l2)
    l2s = (0.5, 2.0)
    got = _call("06.3", question, fn, fold_in, learned, l2s)
    if isinstance(got, Feedback):
        return got
    if not isinstance(got, dict) or set(got) != set(l2s):
        keys = sorted(got) if isinstance(got, dict) else type(got).__name__
        return Feedback(False, f"Exercise 06.3: return a dict with one entry per l2 {l2s}; got {keys}.", hint)
    values = np.array([float(got[l2]) for l2 in l2s])
    mistakes = {"the mean squared difference (take its square root: RMSE)": np.array(l2s) ** 2,
                "the mean difference: signed gaps cancel": np.zeros(2)}  # fmt: skip
    return _verdict("06.3", hint, values, np.array(l2s), mistakes)


def check_ease(fn: Callable) -> Feedback:
    """Chapter 08 (no longer an exercise there; kept for instructors): `fn(x, l2)` is EASE's item-item matrix B for a 0/1 matrix x `(users, items)` (Steck 2019)."""
    hint = "P = (XᵀX + l2 I)⁻¹, then B = -P / diag(P) column by column, and set B's diagonal to 0."
    question = (
        "EASE is a ridge regression of every item on the other items, with a zero diagonal: which matrix "
        "do you invert, and how does that constraint rescale its columns?"
    )
    rng = np.random.default_rng(7)
    x, l2 = (rng.random((12, 6)) < 0.4).astype(np.float64), 2.0
    gram = x.T @ x + l2 * np.eye(6)
    p = np.linalg.inv(gram)
    expected = -p / np.diag(p)[None, :]
    np.fill_diagonal(expected, 0.0)
    mistakes = {"the unconstrained ridge solution (XᵀX + l2 I)⁻¹ XᵀX: its diagonal is not 0, so each item "
                "mostly predicts itself": p @ (x.T @ x),
                "B's diagonal left as -1 (fill it with 0 after dividing)": -p / np.diag(p)[None, :]}  # fmt: skip
    return _verdict("EASE", hint, _run("EASE", question, fn, x, l2), expected, mistakes)


def check_scores_without(fn: Callable) -> Feedback:
    """Chapter 08: `fn(x_u, b, deleted)` is user u's EASE scores `(items,)` once the movies `deleted` (indices, all in
    the history) are removed from the 0/1 history `x_u (items,)`: s'_u = x_u B − Σ_{i deleted} B_i·."""
    hint = ("Row i of B holds what movie i adds to every movie's score: subtract the deleted rows, "
            "scores - b[deleted].sum(axis=0) (see 'Because you liked').")  # fmt: skip
    question = "Movie i in the history adds one row of B to the scores: which rows, and which way?"
    rng = np.random.default_rng(9)
    b = rng.normal(0, 1, (7, 7))
    np.fill_diagonal(b, 0.0)
    x_u = np.array([1.0, 0, 1, 1, 0, 1, 0])
    deleted = np.array([2, 5])
    kept = x_u.copy()
    kept[deleted] = 0
    expected = kept @ b
    mistakes = {
        "the deleted columns subtracted: column j holds what every movie adds to j; row i what i adds to all":
        x_u @ b - b[:, deleted].sum(axis=1),
        "the deleted rows added, not subtracted": x_u @ b + b[deleted].sum(axis=0),
        "the scores with the whole history: nothing was deleted": x_u @ b,
        "only the first deleted movie's row subtracted: sum over all of them": x_u @ b - b[deleted[0]],
    }  # fmt: skip
    got = _run("08.1", question, fn, x_u, b, deleted)
    if not isinstance(got, Feedback) and got.shape == (len(deleted), 7):
        return Feedback(False, "Exercise 08.1: one score per movie, shape (items,): sum the deleted rows "
                               "(axis=0) before subtracting them.", hint)  # fmt: skip
    return _verdict("08.1", hint, got, expected, mistakes)


def _check_weighted(fn: Callable, exercise: str, hint: str, question: str, unrated: float) -> Feedback:
    """`fn(y_true, y_pred, w)` against Σ c (y_true - y_pred)² / Σ c, with `unrated` (0 or NaN) in y_true where
    nothing was rated: there c = w and the target is 0; elsewhere c = 1."""
    rng = np.random.default_rng(2)
    ratings = rng.integers(1, 6, size=(6, 9)) * (rng.random((6, 9)) < 0.3)  # (rows, columns), 0 = not rated
    y_pred = rng.uniform(1, 5, size=(6, 9))
    mask = ratings > 0
    y_true = np.where(mask, ratings, unrated)
    if np.isnan(unrated):  # what a Keras loss gets in training: float32 rows, NaN where unrated
        y_true, y_pred = y_true.astype(np.float32), y_pred.astype(np.float32)
    weights = (0.0, 0.1, 1.0)  # the masked loss, a small pull towards 0, the article's plain loss
    errors = (ratings - y_pred.astype(np.float64)) ** 2
    weight = lambda w: np.where(mask, 1.0, w)  # noqa: E731  c: 1 where rated, w where not
    loss = lambda c, total=None: (c * errors).sum() / (c.sum() if total is None else total)  # noqa: E731
    expected = np.array([loss(weight(w)) for w in weights])
    mistakes = {
        "the weighted sum divided by the number of ratings, not by the sum of the weights":
            np.array([loss(weight(w), mask.sum()) for w in weights]),
        "the weighted sum divided by the number of entries, not by the sum of the weights":
            np.array([loss(weight(w), mask.size) for w in weights]),
        "w given to the rated entries and 1 to the unrated ones (the other way round)":
            np.array([loss(np.where(mask, w, 1.0)) for w in weights]),
    }  # fmt: skip

    got = _call(exercise, question,
                lambda t, p: [np.asarray(fn(t, p, w), dtype=np.float64) for w in weights], y_true, y_pred)  # fmt: skip
    if isinstance(got, Feedback):
        return got
    if any(value.size != 1 for value in got):
        return Feedback(False, f"Exercise {exercise}: the loss must be one number; got an array of shape "
                               f"{next(v.shape for v in got if v.size != 1)}.", hint)  # fmt: skip
    got = np.array([value.item() for value in got])
    if np.isnan(got).any():
        return Feedback(False, f"Exercise {exercise}: not yet; the loss is NaN. The NaN of the unrated entries "
                               f"reached the arithmetic: replace it by the target 0 first, with ops.where, as "
                               f"my_masked_mse does.", hint)  # fmt: skip
    feedback = _verdict(exercise, hint, got, expected, mistakes)
    if feedback.correct or not feedback.message.endswith("differ from the reference."):
        return feedback
    right = [f"{w:g}" for w, g, e in zip(weights, got, expected, strict=True) if np.isclose(g, e)]
    return Feedback(False, f"Exercise {exercise}: not yet; of w = 0, 0.1 and 1 it is right for "
                           f"{' and '.join(right) or 'none'} (w = 0 must give the masked loss, w = 1 the plain "
                           f"MSE).", hint)  # fmt: skip


def check_weighted_mse(fn: Callable) -> Feedback:
    """Chapter 02: `fn(y_true, y_pred, w)` is the weighted mean Σ c (y_true - y_pred)² / Σ c, c = 1 where rated
    (y_true > 0) and w where not: w = 0 gives the masked loss, w = 1 the plain MSE over every entry."""
    hint = ("Weights c = 1 where y_true > 0 and w elsewhere; return sum(c * (y_true - y_pred)**2) / sum(c) "
            "(section 3: w = 0 must give the masked loss).")  # fmt: skip
    question = (
        "Which weight does a rated entry get, and which an empty one? What must the weighted sum be "
        "divided by, so that w of 0 gives the masked loss?"
    )
    return _check_weighted(fn, "02.2", hint, question, unrated=0.0)


def check_keras_weighted_mse(fn: Callable) -> Feedback:
    """Chapter 02: `fn(y_true, y_pred, w)`, written with `keras.ops` for training, is 02.2's weighted loss where
    `y_true` holds NaN for an unrated entry: there the target is 0 and the weight w; elsewhere the weight is 1."""
    hint = ("First rated = ops.logical_not(ops.isnan(y_true)) and the target ops.where(rated, y_true, 0.0); "
            "weights c = ops.where(rated, 1.0, w); return ops.sum(c * ops.square(target - y_pred)) / ops.sum(c).")  # fmt: skip
    question = (
        "Where must the NaN of the unrated entries be replaced: before any arithmetic, or after? Then which "
        "weight and which target does each entry get?"
    )
    return _check_weighted(fn, "02.3", hint, question, unrated=np.nan)


def check_cold_scores(fn: Callable) -> Feedback:
    """Chapter 04: `fn(global_mean, user_bias, item_bias, user_vectors, item_vectors)` is the `(num_users,
    num_items)` matrix r̂ = μ + b_u + b̂_i + ⟨p_u, q̂_i⟩ that scores cold items from their content-predicted (q̂, b̂)."""
    hint = ("Every pair: global_mean + user_bias[:, None] + item_bias[None, :] + user_vectors @ item_vectors.T "
            "(section 3: a cold movie is scored like any other, by the MF's own users).")  # fmt: skip
    question = (
        "Which four terms make a biased MF's rating, and which of them does a cold movie get from the CNN?"
    )
    rng = np.random.default_rng(3)
    mu, user_bias, item_bias = 3.6, rng.normal(0, 0.4, 4), rng.normal(0, 0.4, 6)  # 4 users, 6 cold items
    users, items = rng.normal(0, 0.5, (4, 5)), rng.normal(0, 0.5, (6, 5))
    dots = users @ items.T  # (users, items)
    mistakes = {
        "the inner product alone: μ, b_u and b̂_i carry most of a rating": dots,
        "μ left out (the global mean)": user_bias[:, None] + item_bias[None, :] + dots,
        "b_u left out (the user's bias)": mu + item_bias[None, :] + dots,
        "b̂_i left out (the item bias the CNN predicts with q̂_i)": mu + user_bias[:, None] + dots,
    }
    got = _run("04.2", question, fn, mu, user_bias, item_bias, users, items)
    if not isinstance(got, Feedback) and got.shape == (6, 4):
        return Feedback(False, "Exercise 04.2: the result is transposed: rows should be users.", hint)
    return _verdict("04.2", hint, got, mu + user_bias[:, None] + item_bias[None, :] + dots, mistakes)


def check_shuffled_posters(fn: Callable) -> Feedback:
    """Chapter 04: `fn(posters, warm, seed)` returns a copy of `posters` in which the warm rows (`warm` True) hold
    the warm posters in a random order and the cold rows keep their own: the control of Exercise 04.3."""
    hint = ("Permute only the warm rows: rows = np.flatnonzero(warm); out = posters.copy(); "
            "out[rows] = posters[rng.permutation(rows)]. The cold rows keep their own posters.")  # fmt: skip
    question = "Which rows may change, and where must their new posters come from? And may the input change?"
    rng = np.random.default_rng(4)
    posters = rng.integers(0, 256, size=(12, 2, 2, 3)).astype(np.uint8)  # 12 tiny distinct posters
    warm = np.array([True] * 9 + [False] * 3)
    before = posters.copy()
    got = _call("04.3", question, fn, posters, warm, 0)
    if isinstance(got, Feedback):
        return got
    say = lambda message: Feedback(False, f"Exercise 04.3: {message}", hint)  # noqa: E731
    got = np.asarray(got)
    if not np.array_equal(posters, before):
        return say("your function changed its input; shuffle a copy (posters.copy()).")
    if got.shape != posters.shape:
        return say(f"the result has shape {got.shape}, expected {posters.shape}: one poster per movie.")
    if not np.array_equal(got[~warm], posters[~warm]):
        return say("the held-out (cold) movies lost their own posters: they are scored with them, so shuffle "
                   "only the warm rows.")  # fmt: skip
    key = lambda rows: sorted(r.tobytes() for r in rows)  # noqa: E731
    if key(got[warm]) != key(posters[warm]):
        return say("the warm rows are not the warm posters in another order (some are lost or repeated).")
    if np.array_equal(got[warm], posters[warm]):
        return say("the warm posters are still in their own rows: nothing was shuffled.")
    return Feedback(True, "Exercise 04.3: correct; now compare the table it prints with section 6's.", "")


def check_procrustes(fn: Callable) -> Feedback:
    """Chapter 03: `fn(v_from, v_to)` is the orthogonal `(d, d)` R minimising ‖v_from R − v_to‖_F (Procrustes)."""
    hint = ("SVD of v_fromᵀ v_to = A Σ Bᵀ, then R = A Bᵀ: `a, _, bt = np.linalg.svd(v_from.T @ v_to)`, "
            "`R = a @ bt` (section 2: a rotation keeps lengths and angles).")  # fmt: skip
    question = (
        "Which factorisation gives the rotation closest to a given matrix, and which matrix built from "
        "v_from and v_to do you factorise?"
    )
    rng = np.random.default_rng(4)
    v_from = rng.normal(size=(30, 4))  # one model's item vectors
    turn = np.linalg.qr(rng.normal(size=(4, 4)))[0]
    v_to = v_from @ turn + 0.05 * rng.normal(size=(30, 4))  # the other model's: turned, plus noise
    a, _, bt = np.linalg.svd(v_from.T @ v_to)
    expected = a @ bt
    mistakes = {
        "the transpose of R (it maps v_to onto v_from: the arguments swapped, or the SVD of v_toᵀ v_from)":
            expected.T,
        "a least-squares map (np.linalg.lstsq): it fits, but it is not a rotation, lengths and angles change":
            np.linalg.lstsq(v_from, v_to, rcond=None)[0],
        "numpy's svd already returns Bᵀ: `a @ bt.T` transposes it once more": a @ bt.T,
        "v_fromᵀ v_to itself, without the SVD: it is not orthogonal": v_from.T @ v_to,
    }  # fmt: skip
    got = _run("03.2", question, fn, v_from, v_to)
    feedback = _verdict("03.2", hint, got, expected, mistakes)
    if not feedback.correct and feedback.message.endswith("differ from the reference."):
        if not np.allclose(got.T @ got, np.eye(4), atol=1e-6):
            return Feedback(False, "Exercise 03.2: not yet; R is not orthogonal (RᵀR ≠ I), so it is no rotation.",
                            hint)  # fmt: skip
    return feedback


def check_length_blend(fn: Callable) -> Feedback:
    """Chapter 03: `fn(user_vectors, item_vectors, gamma)` is ‖q_i‖^γ cos φ for every pair, `(num_users, num_items)`:
    γ = 0 gives the cosine, γ = 1 ranks each user's items as the dot product does."""
    hint = ("The cosine is users @ directions.T, one row per user; multiply column i by lengths[i] ** gamma "
            "(section 6: γ = 0 is cosine, γ = 1 ranks as the dot product).")  # fmt: skip
    question = (
        "Which part of the score should the item's length scale, and what power of the length does γ choose?"
    )
    rng = np.random.default_rng(3)
    users, items, gamma = rng.normal(size=(3, 4)), rng.normal(size=(6, 4)) * rng.uniform(0.2, 3, (6, 1)), 0.4
    cos = (users / np.linalg.norm(users, axis=1, keepdims=True)) @ (
        items / np.linalg.norm(items, axis=1)[:, None]
    ).T
    lengths, user_lengths = np.linalg.norm(items, axis=1), np.linalg.norm(users, axis=1)
    mistakes = {
        "the dot product divided by the user's length (the item length not raised to γ)": cos * lengths,
        "the item length raised to 1 − γ: γ = 0 should give the cosine": cos * lengths ** (1 - gamma),
        "the user's length raised to γ: the blend scales the item's length": cos * user_lengths[:, None] ** gamma,
        "the cosine raised to γ: γ is a power of the length, not of the cosine": np.abs(cos) ** gamma * np.sign(cos),
        "the cosine alone (γ ignored)": cos,
    }  # fmt: skip
    got = _run("03.1", question, fn, users, items, gamma)
    if not isinstance(got, Feedback) and got.shape == (6, 3):
        return Feedback(False, "Exercise 03.1: the result is transposed: rows should be users.", hint)
    return _verdict("03.1", hint, got, cos * lengths[None, :] ** gamma, mistakes)


def check_align_users(fn: Callable) -> Feedback:
    """Chapter 03: `fn(user_vectors, item_vectors, other_item_vectors)` is P₁Ω: the user vectors turned by the
    orthogonal Ω that best maps `item_vectors` onto `other_item_vectors` (same items, same rows; exercise 03.2)."""
    hint = ("Ω comes from the SVD of item_vectorsᵀ other_item_vectors = A Σ Cᵀ: Ω = A Cᵀ (exercise 03.2). "
            "The user vectors turn with their item table: user_vectors @ Ω.")  # fmt: skip
    question = "Which rotation maps the first item table onto the second, and why must the user vectors turn with it?"
    rng = np.random.default_rng(5)
    q_1 = rng.normal(size=(30, 4))  # one model's item vectors
    q_2 = q_1 @ np.linalg.qr(rng.normal(size=(4, 4)))[0] + 0.05 * rng.normal(size=(30, 4))  # the other's
    p_1 = rng.normal(size=(7, 4))  # the first model's user vectors
    a, _, ct = np.linalg.svd(q_1.T @ q_2)
    omega = a @ ct
    mistakes = {
        "Ω transposed: it maps the second item table onto the first (the arguments swapped?)": p_1 @ omega.T,
        "the user vectors unchanged: they must turn with their item table": p_1,
        "a least-squares map (np.linalg.lstsq): it is no rotation, so lengths and angles change":
            p_1 @ np.linalg.lstsq(q_1, q_2, rcond=None)[0],
    }  # fmt: skip
    got = _run("03.3", question, fn, p_1, q_1, q_2)
    return _verdict("03.3", hint, got, p_1 @ omega, mistakes)


def _backward(params, x, y, *, scale=None, sign=1.0, derivative=True, bias=np.sum):
    """∂L/∂θ of the 3-hidden-layer tanh network of `check_gradients`; the keywords re-create typical mistakes."""
    h, a = [], x
    for k in (1, 2, 3):
        a = np.tanh(a @ params[f"W{k}"] + params[f"b{k}"])  # (N, H_k)
        h.append(a)
    y_hat = (a @ params["W4"] + params["b4"])[:, 0]  # (N,)
    g = (sign * (y_hat - y) * (1 / len(y) if scale is None else scale))[:, None]  # g4: (N, 1)
    grads = {}
    for k in (4, 3, 2, 1):
        below = h[k - 2] if k > 1 else x
        grads[f"W{k}"], grads[f"b{k}"] = below.T @ g, bias(g, axis=0)
        if k > 1:
            g = (g @ params[f"W{k}"].T) * ((1 - below**2) if derivative else 1.0)  # g_{k-1}
    return grads


def check_gradients(fn: Callable) -> Feedback:
    """Chapter 05: `fn(params, x, y)` is the dict of ∂L/∂θ for the network of section 1 with a third hidden layer:
    h_k = tanh(h_{k-1} W_k + b_k) for k = 1, 2, 3 (h_0 = x), ŷ = h_3 W_4 + b_4, L = 1/(2N) Σ (y − ŷ)²."""
    hint = ("Walk back from g4 = (ŷ − y)/N: ∂L/∂W_k = h_{k-1}ᵀ g_k, ∂L/∂b_k = g_k summed over the examples, "
            "g_{k-1} = (g_k W_kᵀ) ⊙ (1 − h_{k-1}²) (section 1, one layer more).")  # fmt: skip
    question = (
        "Start at the output: what is the loss's gradient with respect to ŷ, and how does each layer pass"
        " it back through its tanh?"
    )
    rng = np.random.default_rng(5)
    sizes, names = (3, 5, 4, 3, 1), [f"{kind}{k}" for k in (1, 2, 3, 4) for kind in "Wb"]
    params = {}
    for k in (1, 2, 3, 4):
        params[f"W{k}"] = rng.normal(0, 0.6, (sizes[k - 1], sizes[k]))
        params[f"b{k}"] = rng.normal(0, 0.3, sizes[k])
    x, y = rng.normal(size=(10, 3)), rng.normal(3.5, 1.0, 10)

    def flat(grads):  # every gradient in one vector, in `names` order
        return np.concatenate([np.ravel(np.asarray(grads[n], dtype=np.float64)) for n in names])

    expected = flat(_backward(params, x, y))
    mistakes = {
        "the tanh derivative (1 − h²) left out when passing g back through a layer":
            flat(_backward(params, x, y, derivative=False)),
        "a missing 1/N (the gradient of the sum, not of the mean)": flat(_backward(params, x, y, scale=1.0)),
        "a sign error (y − ŷ instead of ŷ − y): that is the direction to step in, the negative gradient":
            flat(_backward(params, x, y, sign=-1.0)),
        "bias gradients averaged over the examples instead of summed (the 1/N is already in g4)":
            flat(_backward(params, x, y, bias=np.mean)),
    }  # fmt: skip
    got = _call("05.2", question, fn, {n: v.copy() for n, v in params.items()}, x, y)
    if isinstance(got, Feedback):
        return got
    say = lambda message: Feedback(False, f"Exercise 05.2: {message}", hint)  # noqa: E731
    if not hasattr(got, "keys"):
        return say(f"return a dict of gradients with the keys of params; got {type(got).__name__}.")
    if missing := [n for n in names if n not in got]:
        return say(f"no gradient for {', '.join(missing)}: return one for every key of params.")
    for n in names:
        if np.shape(got[n]) != params[n].shape:
            return say(f"dL/d{n} has shape {np.shape(got[n])}; it must have {n}'s shape {params[n].shape}.")
    try:
        got = flat(got)
    except (TypeError, ValueError):
        return say("every gradient must be an array of numbers.")
    feedback = _verdict("05.2", hint, got, expected, mistakes)
    if feedback.correct or not feedback.message.endswith("differ from the reference."):
        return feedback
    ends = np.cumsum([params[n].size for n in names])
    wrong = [n for n, g, e in zip(names, np.split(got, ends[:-1]), np.split(expected, ends[:-1]), strict=True)
             if not np.allclose(g, e, rtol=1e-5, atol=1e-8)]  # fmt: skip
    top = max(int(n[1]) for n in wrong)
    where = (f"the layers above layer {top} are right: look at g{top} first" if top < 4 else
             "the output layer's are wrong already: check the forward pass and g4 = (ŷ − y)/N")  # fmt: skip
    return say(f"not yet; wrong: {', '.join('dL/d' + n for n in wrong)}; {where}.")


def _deeper_run(x, y, gradients, *, steps, learning_rate, seed, sign=-1.0, halve=True):
    """The loss after `steps` of gradient descent on the (2, 8, 8, 8, 1) tanh network of `check_deeper_run`."""
    rng, params, sizes = np.random.default_rng(seed), {}, (x.shape[1], 8, 8, 8, 1)
    for k in (1, 2, 3, 4):  # Glorot-uniform, as recsys_lab.methods.gradient_descent.init_params draws them
        limit = np.sqrt(6 / (sizes[k - 1] + sizes[k]))
        params[f"W{k}"], params[f"b{k}"] = (
            rng.uniform(-limit, limit, sizes[k - 1 : k + 1]),
            np.zeros(sizes[k]),
        )
    for _ in range(steps):
        grads = gradients(params, x, y)
        params = {n: v + sign * learning_rate * grads[n] for n, v in params.items()}
    h = x
    for k in (1, 2, 3):
        h = np.tanh(h @ params[f"W{k}"] + params[f"b{k}"])  # (N, 8)
    return np.mean((y - (h @ params["W4"] + params["b4"])[:, 0]) ** 2) / (2 if halve else 1)


def check_deeper_run(fn: Callable) -> Feedback:
    """Chapter 05: `fn(x, y, gradients, steps, learning_rate, seed)` is the loss L = 1/(2N) Σ (y − ŷ)² after
    `steps` of gradient descent with `gradients` on the tanh network (2, 8, 8, 8, 1), its weights drawn as
    `gradient_descent.init_params` draws them (one `default_rng(seed)`, Glorot-uniform layer by layer, biases 0)."""
    hint = ("Draw W1..W4 in order from one np.random.default_rng(seed) (limit = sqrt(6 / (fan_in + fan_out))), "
            "biases 0; then repeat θ ← θ − η · gradients(θ, x, y); return 1/(2N) Σ (y − ŷ)² at the end.")  # fmt: skip
    question = (
        "What does one step of gradient descent do to every weight, and which loss does section 1 define?"
    )
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(16, 2)), rng.normal(3.5, 1.0, 16)
    run = dict(steps=20, learning_rate=0.1, seed=3)
    expected = _deeper_run(x, y, _backward, **run)
    mistakes = {
        "the loss of the starting weights: the steps were not applied to the weights": _deeper_run(
            x, y, _backward, **{**run, "steps": 0}
        ),
        "steps along the gradient (θ + η·grad): that climbs the loss": _deeper_run(
            x, y, _backward, **run, sign=1.0
        ),
        "the mean squared error without the 1/2 of L": _deeper_run(x, y, _backward, **run, halve=False),
    }
    got = _run("05.3", question, fn, x, y, _backward, *run.values())
    return _verdict("05.3", hint, got, expected, mistakes)


def check_blend(fn: Callable) -> Feedback:
    """Chapter 08: `fn(predictions, y)` is the least-squares blend of m models' predictions `(n, m)` of ratings
    `y (n,)`: weights `(m + 1,)`, the intercept first, minimising ‖y − w_0 − predictions w_1..m‖²."""
    hint = ("Least squares on the predictions with a column of ones first: "
            "np.linalg.lstsq(np.c_[np.ones(n), predictions], y, rcond=None)[0] (see 'Blending: accuracy bought with complexity').")  # fmt: skip
    question = (
        "A blend is a linear regression on the models' predictions: what must the design matrix hold so "
        "the blend can shift, not only scale?"
    )
    rng = np.random.default_rng(6)
    y = rng.integers(1, 6, 40).astype(np.float64)  # (n,) held-out ratings
    noise = rng.normal(0, [0.5, 0.4, 1.0], (40, 3))
    predictions = np.c_[0.6 * y + 1.4, 0.3 * y + 2.5, y] + noise  # (n, m = 3 models)
    design = np.c_[np.ones(40), predictions]  # (n, 1 + m)
    expected = np.linalg.lstsq(design, y, rcond=None)[0]
    kkt = np.block([[design.T @ design, np.r_[0.0, np.ones(3)][:, None]], [np.r_[0.0, np.ones(3)], 0.0]])
    summing_to_one = np.linalg.solve(kkt, np.r_[design.T @ y, 1.0])[:4]
    mistakes = {
        "the weights forced to sum to 1 (a weighted average of the models): least squares leaves them free, and "
        "the models' scales differ": summing_to_one,
        "the plain average of the models (intercept 0, each weight 1/m): that is no fit": np.r_[0.0, np.ones(3) / 3],
        "the intercept put last: it goes first": np.r_[expected[1:], expected[0]],
    }  # fmt: skip
    got = _run("08.2", question, fn, predictions, y)
    if not isinstance(got, Feedback) and got.shape == (3,):
        without = np.linalg.lstsq(predictions, y, rcond=None)[0]
        plain = np.allclose(got, without, rtol=1e-5)
        what = "least squares without an intercept" if plain else "no intercept"
        return Feedback(False, f"Exercise 08.2: one weight per model and nothing else: it looks like {what}. "
                               f"Add a column of ones first (m + 1 weights).", hint)  # fmt: skip
    if not isinstance(got, Feedback) and got.shape in ((2, 3), (3, 2), (4, 3)):
        return Feedback(False, f"Exercise 08.2: the result has shape {got.shape}: it looks like predictions and y "
                               f"swapped (y regressed on the predictions, not the other way).", hint)  # fmt: skip
    return _verdict("08.2", hint, got, expected, mistakes)


def check_mirror_augment(fn: Callable) -> Feedback:
    """Chapter 08: `fn(posters, targets)` is the training set doubled by data augmentation: every poster
    `(n, height, width, 3)` and its left-right mirror image (`np.flip(..., axis=2)`), each with the poster's targets
    `(n, m)`; returns `(posters (2n, ...), targets (2n, m))`, the originals first."""
    hint = ("np.concatenate([posters, np.flip(posters, axis=2)]) and np.concatenate([targets, targets]): axis 2 is "
            "the width, so the flip swaps left and right (see exercise 08.3's text).")  # fmt: skip
    question = "Which axis of (n, height, width, colour) runs from left to right, and which targets go with a mirror?"
    rng = np.random.default_rng(10)
    posters = rng.integers(0, 256, (3, 4, 5, 3)).astype(np.uint8)
    targets = rng.normal(0, 1, (3, 2))
    say = lambda message: Feedback(False, f"Exercise 08.3: {message}", hint)  # noqa: E731
    got = _call("08.3", question, fn, posters.copy(), targets.copy())
    if isinstance(got, Feedback):
        return got
    if not isinstance(got, tuple) or len(got) != 2:
        return say("return two arrays: the posters and their targets.")
    images, labels = (np.asarray(part) for part in got)
    if images.shape != (6, 4, 5, 3) or labels.shape != (6, 2):
        return say(f"shapes {images.shape} and {labels.shape}; expected (2n, height, width, 3) and (2n, m): "
                   "the originals and their mirrors, each with its targets.")  # fmt: skip
    if not np.array_equal(images[:3], posters) or not np.array_equal(labels[:3], targets):
        return say("the first half must be the original posters with their targets.")
    for axis, what in ((1, "upside down (axis 1 is the height)"), (3, "with its colours reversed (axis 3)")):
        if np.array_equal(images[3:], np.flip(posters, axis=axis)):
            return say(f"each copy is {what}: a mirror flips the width, axis 2.")
    if not np.array_equal(images[3:], np.flip(posters, axis=2)):
        return say("the second half must be the posters mirrored left to right (np.flip(posters, axis=2)).")
    if not np.array_equal(labels[3:], targets):
        return say("a mirror keeps its poster's targets: repeat them in the same order.")
    return Feedback(
        True, "Exercise 08.3: correct; now run the experiment and compare with the expected outcome.", ""
    )


def check_drop_ratings(fn: Callable) -> Feedback:
    """Chapter 07: `fn(ratings, fraction, seed)` deletes ratings at random (missing data) the way
    `challenges.drop_ratings` does: the first round(fraction × n) rows of one seeded permutation go, so a higher
    fraction deletes the rows of a lower one plus more; the rest keep their order and index."""
    from recsys_lab.methods.challenges import drop_ratings  # the reference (numpy/pandas only)

    hint = ("`order` is a random order of the row positions; delete its first round(fraction * len(ratings)): "
            "dropped = order[: round(fraction * len(ratings))] (see 'Data quality').")  # fmt: skip
    question = "Which positions of `order` should go, and how many, so that a larger fraction deletes more of the same rows?"
    rng = np.random.default_rng(5)
    n = 30  # 0.25 × 30 = 7.5: round gives 8, int() gives 7
    ratings = pd.DataFrame({"user_id": rng.integers(1, 6, n), "item_id": rng.integers(1, 40, n),
                            "rating": rng.integers(1, 6, n).astype(np.float64)},
                           index=pd.RangeIndex(500, 500 + n))  # fmt: skip
    original = ratings.copy()
    say = lambda message: Feedback(False, f"Exercise 07.1: {message}", hint)  # noqa: E731
    results = {}
    for fraction in (0.25, 0.5, 0.0):
        got = _call("07.1", question, fn, ratings, fraction, 4)
        if isinstance(got, Feedback):
            return got
        if not ratings.equals(original):
            return say("your function changed its input; the given code works on a copy.")
        if not isinstance(got, pd.DataFrame):
            return say(f"return the table without the dropped rows; got {type(got).__name__}.")
        results[fraction] = got
    for fraction, got in results.items():
        if got.equals(drop_ratings(ratings, fraction, seed=4)):
            continue
        gone, wanted = n - len(got), round(fraction * n)
        if gone == n - wanted and gone != wanted:
            return say(f"{len(got)} rows kept of {n}: that keeps the share `fraction` and deletes the rest.")
        if gone == int(fraction * n) != wanted:
            return say(f"{gone} rows deleted; round(fraction * len(ratings)) = {wanted}: use round, not int.")
        if gone != wanted:
            return say(
                f"{gone} rows deleted; with fraction {fraction} of {n} ratings, exactly {wanted} should go."
            )
        if not got.index.isin(ratings.index).all() or not got.index.is_monotonic_increasing:
            return say("keep the remaining rows as they were, in their order, with their index.")
        if not results[0.5].index.isin(results[0.25].index).all():
            return say(
                "a larger fraction must delete the rows of a smaller one plus more: one `order` for all."
            )
        if len(results[0.0]) < n:
            return say(f"fraction 0 deleted {n - len(results[0.0])} rows: order[-0:] is the whole array.")
        return say("the right number of rows, but not the first rows of `order`: take them from its start.")
    return Feedback(True, "Exercise 07.1: correct.", "")


def check_swap_choices(fn: Callable) -> Feedback:
    """Chapter 07: `fn(ratings, fraction, seed)` damages *choices*: a new table in which exactly round(fraction × n)
    rows get another item, one the user had not rated, drawn from the table's items; users, ratings, every other
    column, the index and the order stay; the same seed gives the same damage."""
    hint = ("Copy the table; with rng = np.random.default_rng(seed) pick round(fraction * len(ratings)) rows; give "
            "each an item from ratings['item_id'] that its user has not rated; change nothing else "
            "(see 'Data quality': noise changes the rating, this changes the choice).")  # fmt: skip
    question = (
        "Which column changes, in how many rows, and what must a new item not be for its user? How do you"
        " make the draw repeat?"
    )
    rng = np.random.default_rng(7)
    counts = rng.integers(4, 13, 20)  # 20 users with 4 to 12 ratings each, of 30 items
    n = counts.sum()
    ratings = pd.DataFrame({
        "user_id": np.repeat(np.arange(1, 21), counts),
        "item_id": np.concatenate([rng.choice(np.arange(101, 131), c, replace=False) for c in counts]),
        "rating": rng.integers(1, 6, n).astype(np.float64),
        "timestamp": np.arange(n, dtype=np.int64) + 880_000_000,
    }, index=pd.RangeIndex(1000, 1000 + n))  # fmt: skip
    original, fraction, seed = ratings.copy(), 0.25, 3
    result = _call("07.2", question, fn, ratings, fraction, seed)
    if isinstance(result, Feedback):
        return result
    say = lambda message: Feedback(False, f"Exercise 07.2: {message}", hint)  # noqa: E731
    if not ratings.equals(original):
        return say("your function changed its input; work on a copy.")
    if not isinstance(result, pd.DataFrame):
        return say(f"return a DataFrame, the damaged copy; got {type(result).__name__}.")
    if len(result) < len(ratings):
        return say(f"{len(ratings) - len(result)} rows are gone: that is deleting ratings (missing data); "
                   f"keep every row and change its item.")  # fmt: skip
    if list(result.columns) != list(ratings.columns) or not result.dtypes.equals(ratings.dtypes):
        return say(f"keep the columns and their dtypes: expected {dict(ratings.dtypes.astype(str))}, got "
                   f"{dict(result.dtypes.astype(str))}.")  # fmt: skip
    if not result.index.equals(ratings.index):
        return say("keep the rows in their order, with their index: row k must still be the same rating.")
    if not result["rating"].equals(ratings["rating"]):
        return say("some ratings changed: that is rating noise, which models that read only who rated what "
                   "ignore. Keep the rating; change the item.")  # fmt: skip
    if not result.drop(columns="item_id").equals(ratings.drop(columns="item_id")):
        return say("only the item_id column may change.")
    changed = (result["item_id"] != ratings["item_id"]).to_numpy()
    wanted = round(fraction * len(ratings))
    if changed.sum() != wanted:
        return say(f"{changed.sum()} rows got a new item; with fraction {fraction} of {len(ratings)} ratings, "
                   f"exactly {wanted} should (a fraction of the ratings, not of the users).")  # fmt: skip
    if not set(result["item_id"]) <= set(ratings["item_id"]):
        return say("some new item ids are not in the table: draw the new items from ratings['item_id'].")
    if result.duplicated(["user_id", "item_id"]).any():
        return say("some users now rated the same movie twice: draw an item the user has not rated.")
    again = _call("07.2", question, fn, ratings, fraction, seed)
    if isinstance(again, Feedback):
        return again
    if not again.equals(result):
        return say("the same seed gave a different damage: draw with np.random.default_rng(seed) only.")
    other = _call("07.2", question, fn, ratings, fraction, seed + 1)
    if isinstance(other, Feedback):
        return other
    if other.equals(result):
        return say("another seed gave the same damage: the seed is ignored.")
    return Feedback(True, "Exercise 07.2: correct.", "")


class _Recorder:
    """A stand-in rating model for `check_noise_experiment`: predicts its training mean and records every pair it
    was fitted on and asked about."""

    def __init__(self, train: pd.DataFrame, log: list):
        self.train, self.mean, self.asked = train, float(train["rating"].mean()), []
        log.append(self)

    def predict(self, user_ids, item_ids):
        self.asked.extend(zip(np.asarray(user_ids).tolist(), np.asarray(item_ids).tolist(), strict=True))
        return np.full(len(user_ids), self.mean)


def check_noise_experiment(fn: Callable) -> Feedback:
    """Chapter 07: `fn(split, models, rate, seed)` runs the noise experiment on a validation slice: it holds out part
    of `split.train`, damages the rest with noise at rates 0 and `rate` (`challenges.degradation`), fits every model
    of `models` (name → function of a training table) and returns the validation RMSE, one row per rate, one column
    per model. The test part is never used. Checked with a stand-in model that records what it sees."""
    from recsys_lab.protocol.splits import random_split  # numpy/pandas only

    hint = ("validation = splits.random_split(split.train, 0.1, seed=seed); then challenges.degradation(validation, "
            "models, kind='noise', rates=(0.0, rate), seed=seed), pivoted to rate × model (see 'Data quality').")  # fmt: skip
    question = (
        "Which part of the data may you score here, and where does it come from, if not from split.test?"
    )
    rng = np.random.default_rng(8)
    n = 200
    ratings = pd.DataFrame({"user_id": rng.integers(1, 21, n), "item_id": rng.integers(1, 31, n),
                            "rating": rng.integers(1, 6, n).astype(np.float64),
                            "timestamp": np.arange(n, dtype=np.int64)}).drop_duplicates(["user_id", "item_id"])  # fmt: skip
    split = random_split(ratings, 0.2, seed=1)
    log: list = []
    got = _call("07.3", question, fn, split, {"stand-in": lambda train: _Recorder(train, log)}, 0.3, 2)
    if isinstance(got, Feedback):
        return got
    say = lambda message: Feedback(False, f"Exercise 07.3: {message}", hint)  # noqa: E731
    pair = lambda table: set(zip(table["user_id"].tolist(), table["item_id"].tolist(), strict=True))  # noqa: E731
    train_pairs, test_pairs = pair(split.train), pair(split.test)
    if any(set(model.asked) & test_pairs for model in log):
        return say(
            "a model was scored on split.test: hold out a validation slice of split.train and score that."
        )
    if any(pair(model.train) & test_pairs for model in log):
        return say("a model was trained on test ratings: train on part of split.train only.")
    if len(log) != 2:
        return say(f"{len(log)} fits of the one model given; expected 2 (noise rates 0 and `rate`).")
    if any(len(pair(model.train)) >= len(train_pairs) for model in log):
        return say("the models were fitted on the whole training part: hold out a validation slice first.")
    if any(set(model.asked) & pair(model.train) for model in log) or not all(model.asked for model in log):
        return say("score each model on the held-out validation slice, not on the ratings it was fitted on.")
    clean, noisy = (model.train.sort_index()["rating"] for model in log)
    if not clean.index.equals(noisy.index):
        return say(
            "the second fit saw fewer ratings: that is missing data; damage the ratings with noise instead."
        )
    if clean.equals(noisy):
        return say("the two fits saw the same ratings: damage the second with noise (kind='noise').")
    if not isinstance(got, pd.DataFrame) or list(got.columns) != ["stand-in"] or len(got) != 2:
        return say("return a table with one row per noise rate (0 and `rate`) and one column per model.")
    return Feedback(
        True, "Exercise 07.3: correct; now run it on the data and compare with the expected outcome.", ""
    )


def _quiz_keys() -> list:
    """Two small questions for the chapter 09 checks, one answer and "select all", with every selection."""
    from itertools import combinations

    from recsys_lab.course.quiz import Question

    one = Question("Which?", ("a", "b", "c"), 1, "b.", "09_faq.ipynb", "## 1. The quiz")
    many = Question(
        "Which?", ("a", "b", "c", "d"), frozenset({0, 2}), "a and c.", "09_faq.ipynb", "## 1. The quiz"
    )
    return [(q, set(s)) for q in (one, many) for n in range(1, len(q.choices) + 1)
            for s in combinations(range(len(q.choices)), n)]  # fmt: skip


def check_grade(fn: Callable) -> Feedback:
    """Chapter 09: `fn(question, selected)` is True exactly when the set `selected` equals the question's key."""
    hint = "Right means the same set: compare set(selected) with key using ==; a subset or an overlap is not enough."
    question = "When is an answer right: when it shares a choice with the key, or when it is the key exactly?"
    cases = _quiz_keys()
    keys = [q.answer if q.multiple else {q.answer} for q, _ in cases]
    got = _call("09.1", question, lambda: np.array([bool(fn(q, set(s))) for q, s in cases], dtype=np.float64))
    expected = np.array([s == key for (_, s), key in zip(cases, keys, strict=True)], dtype=np.float64)
    mistakes = {
        "partial credit: part of the key is graded right": np.array(
            [bool(s) and s <= key for (_, s), key in zip(cases, keys, strict=True)], dtype=np.float64),
        "any overlap graded right: a wrong choice picked with a right one passes": np.array(
            [bool(s & key) for (_, s), key in zip(cases, keys, strict=True)], dtype=np.float64),
        "a superset of the key graded right: picking every choice would pass": np.array(
            [s >= key for (_, s), key in zip(cases, keys, strict=True)], dtype=np.float64),
    }  # fmt: skip
    return _verdict("09.1", hint, got, expected, mistakes)


def check_partial_credit(fn: Callable) -> Feedback:
    """Chapter 09: `fn(question, selected)` is (right choices picked - wrong choices picked) / size of the key,
    and never below 0."""
    hint = ("credit = (len(selected & key) - len(selected - key)) / len(key), then max(credit, 0): a wrong pick "
            "cancels a right one.")  # fmt: skip
    question = "What should a wrong pick cost, what is the most credit one question can give, and can credit be negative?"
    cases = _quiz_keys()
    keys = [q.answer if q.multiple else {q.answer} for q, _ in cases]
    got = _call("09.2", question, lambda: np.array([float(fn(q, set(s))) for q, s in cases]))
    right = np.array([len(s & key) for (_, s), key in zip(cases, keys, strict=True)], dtype=np.float64)
    wrong = np.array([len(s - key) for (_, s), key in zip(cases, keys, strict=True)], dtype=np.float64)
    size = np.array([len(key) for key in keys], dtype=np.float64)
    choices = np.array([len(q.choices) for q, _ in cases], dtype=np.float64)
    expected = np.maximum(right - wrong, 0) / size
    mistakes = {
        "wrong picks cost nothing: picking every choice gets full credit": right / size,
        "credit below 0: clip it at 0 (a question can cost nothing more than its own credit)": (right - wrong) / size,
        "divided by the number of choices, not by the size of the key: a full answer gets less than 1":
            np.maximum(right - wrong, 0) / choices,
        "divided by the number of picks, not by the size of the key": np.maximum(right - wrong, 0)
            / np.array([len(s) for _, s in cases]),
    }  # fmt: skip
    return _verdict("09.2", hint, got, expected, mistakes)


def check_question(fn: Callable) -> Feedback:
    """Chapter 09: `fn()` returns a well-formed `quiz.Question`: at least three distinct choices, a key among
    them, an explanation, and a pointer to a notebook heading; `quiz.check` grades the key right and every other
    single choice wrong."""
    from recsys_lab.course.quiz import Question, check

    hint = ("Return Question(prompt, choices, answer, explanation, notebook, section): 3 or more distinct choices, "
            "answer an index into choices, notebook a file name ending in .ipynb, section a heading starting with #.")  # fmt: skip
    question = (
        "Which six fields does a question need, and which of them says where the course teaches the answer?"
    )
    got = _call("09.3", question, fn)
    if isinstance(got, Feedback):
        return got
    say = lambda message: Feedback(False, f"Exercise 09.3: {message}", hint)  # noqa: E731
    if not isinstance(got, Question):
        return say(f"return a quiz.Question; got {type(got).__name__}.")
    if (
        len(got.choices) < 3
        or len(set(got.choices)) != len(got.choices)
        or not all(c.strip() for c in got.choices)
    ):
        return say("give at least three different choices, none of them empty.")
    key = got.answer if got.multiple else {got.answer}
    if not key or not all(isinstance(i, int) and 0 <= i < len(got.choices) for i in key):
        return say(f"the answer must be choice numbers from 0 to {len(got.choices) - 1}.")
    if not got.prompt.strip() or not got.explanation.strip():
        return say("write the prompt and an explanation of why the key is right.")
    if not got.notebook.endswith(".ipynb") or not got.section.startswith("#"):
        return say(
            "the pointer needs a notebook file name (ending in .ipynb) and a heading of it (starting with #)."
        )
    graded = [check(got, {index}).correct for index in range(len(got.choices))]
    if not got.multiple and graded != [index in key for index in range(len(got.choices))]:
        return say("quiz.check does not grade the key right and every other choice wrong.")
    if not check(got, got.answer).correct:
        return say("quiz.check does not grade the key right.")
    return Feedback(True, "Exercise 09.3: correct: a well-formed question.", "")
