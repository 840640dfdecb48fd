"""Exercise checks against correct answers and typical mistakes; the chapters' reference solutions pass them."""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pandas as pd
import pytest
from scipy.linalg import orthogonal_procrustes

from recsys_lab import exercises, quiz
from recsys_lab.course.student import strip_solutions

from ..helpers import CHAPTERS, exercise_cells


def stub(*_):
    raise NotImplementedError("exercise: write your code here")


def masked(y_true, y_pred):
    mask = y_true > 0
    return ((y_true - y_pred) ** 2 * mask).sum() / mask.sum()


def weights(y_true, w):
    return np.where(y_true > 0, 1.0, w)


def weighted(y_true, y_pred, w):
    c = weights(y_true, w)
    return (c * (y_true - y_pred) ** 2).sum() / c.sum()


def cold_scores(mu, user_bias, item_bias, user_vectors, item_vectors):
    return mu + user_bias[:, None] + item_bias[None, :] + user_vectors @ item_vectors.T


def procrustes(v_from, v_to):
    a, _, bt = np.linalg.svd(v_from.T @ v_to)
    return a @ bt


def backward(params, x, y, *, scale=None, sign=1.0, derivative=True, bias=np.sum):
    """The chain rule through three tanh layers, written out again here (the test's own reference)."""
    h1 = np.tanh(x @ params["W1"] + params["b1"])
    h2 = np.tanh(h1 @ params["W2"] + params["b2"])
    h3 = np.tanh(h2 @ params["W3"] + params["b3"])
    y_hat = (h3 @ params["W4"] + params["b4"])[:, 0]
    g4 = (sign * (y_hat - y) * (1 / len(y) if scale is None else scale))[:, None]
    tanh_prime = (lambda h: 1 - h**2) if derivative else (lambda h: 1.0)
    g3 = (g4 @ params["W4"].T) * tanh_prime(h3)
    g2 = (g3 @ params["W3"].T) * tanh_prime(h2)
    g1 = (g2 @ params["W2"].T) * tanh_prime(h1)
    grads = {}
    for k, (below, g) in enumerate([(x, g1), (h1, g2), (h2, g3), (h3, g4)], start=1):
        grads[f"W{k}"], grads[f"b{k}"] = below.T @ g, bias(g, axis=0)
    return grads


def blend(predictions, y):
    return np.linalg.lstsq(np.c_[np.ones(len(y)), predictions], y, rcond=None)[0]


def blend_summing_to_one(predictions, y):
    """Least squares with the models' weights constrained to sum to 1 (through scipy, not the check's KKT)."""
    from scipy.optimize import minimize

    design = np.c_[np.ones(len(y)), predictions]
    return minimize(lambda b: ((design @ b - y) ** 2).sum(), np.r_[0.0, np.full(predictions.shape[1], 0.3)],
                    constraints={"type": "eq", "fun": lambda b: b[1:].sum() - 1}, tol=1e-12).x  # fmt: skip


def swap(ratings, fraction, seed, *, fraction_of="ratings", rated_ok=False, catalogue=None):
    """Give round(fraction * n) rows an item their user has not rated; the keywords re-create mistakes."""
    rng = np.random.default_rng(seed)
    out = ratings.copy()
    items = np.unique(ratings["item_id"]) if catalogue is None else catalogue
    rated = ratings.groupby("user_id")["item_id"].agg(set).to_dict()
    if fraction_of == "users":
        users = np.unique(ratings["user_id"])
        users = rng.permutation(users)[: round(fraction * len(users))]
        rows = np.flatnonzero(ratings["user_id"].isin(users))
    else:
        rows = rng.permutation(len(out))[: round(fraction * len(out))]
    user_col, item_col = out.columns.get_loc("user_id"), out.columns.get_loc("item_id")
    for row in rows:
        user = out.iat[row, user_col]
        choices = (
            items[items != out.iat[row, item_col]] if rated_ok else np.setdiff1d(items, list(rated[user]))
        )
        out.iat[row, item_col] = new = rng.choice(choices)
        rated[user].add(new)
    return out


def tune(fit, rmse, weights, fit_part, valid, train, test, *, refit=True, choose=min, final=None):
    """Choose w on the validation slice, then score test once; the keywords re-create mistakes."""
    on_valid = {w: rmse(fit(fit_part, w), valid) for w in weights}
    best = choose(on_valid, key=on_valid.get)
    on_test = rmse(fit(train if refit else fit_part, best), test)
    return best, on_test if final is None else final(on_valid[best])


def tune_on_test(fit, rmse, weights, fit_part, valid, train, test):
    """The sweep of the old exercise: every w fitted on train and scored on test, the lowest kept."""
    on_test = {w: rmse(fit(train, w), test) for w in weights}
    best = min(on_test, key=on_test.get)
    return best, on_test[best]


def tune_seen_valid(fit, rmse, weights, fit_part, valid, train, test):
    """The validation slice scored with models fitted on train, which holds it."""
    on_valid = {w: rmse(fit(train, w), valid) for w in weights}
    best = min(on_valid, key=on_valid.get)
    return best, rmse(fit(train, best), test)


def tune_on_training_error(fit, rmse, weights, fit_part, valid, train, test):
    """Every w scored on validation, but chosen by its error on the data it was fitted on."""
    for w in weights:
        rmse(fit(fit_part, w), valid)
    on_fit = {w: rmse(fit(fit_part, w), fit_part) for w in weights}
    best = min(on_fit, key=on_fit.get)
    return best, rmse(fit(train, best), test)


def drop(ratings, fraction, seed, pick=lambda order, k: order[:k], count=round):
    order = np.random.default_rng(seed).permutation(len(ratings))
    dropped = pick(order, count(fraction * len(ratings)))
    return ratings.drop(ratings.index[dropped])


def noise_experiment(split, models, rate, seed, *, part="validation", kind="noise", fraction=0.1):
    from recsys_lab import challenges, splits

    validation = splits.random_split(split.train, fraction, seed=seed)
    used = {
        "validation": validation,
        "test": split,
        "train": type(split)(split.train, validation.train, "x"),
    }[part]
    result = challenges.degradation(used, models, kind=kind, rates=(0.0, rate), seed=seed)
    return result.pivot_table(index="rate", columns="model", values="rmse")


def mutating_swap(ratings, fraction, seed):
    ratings["item_id"] = swap(ratings, fraction, seed)["item_id"]
    return ratings


@pytest.mark.parametrize(
    ("check", "wrong", "says"),
    [
        (exercises.check_masked_mse, lambda t, p: ((t - p) ** 2).mean(), "unmasked mean over every entry"),
        (exercises.check_masked_mse, lambda t, p: ((t - p) ** 2 * (t > 0)).sum() / t.size, "divided by all entries"),
        (exercises.check_conv1d, lambda x, k: np.convolve(x, k, mode="valid"), "flipped kernel"),
        (exercises.check_conv1d, lambda x, k: np.correlate(x, k, mode="same"), "'same' padding"),
        (exercises.check_scores, lambda u, i: u @ i.T / np.outer(np.linalg.norm(u, axis=1), np.linalg.norm(i, axis=1)),
         "cosine similarity"),
        (exercises.check_scores, lambda u, i: i @ u.T, "transposed"),
        (exercises.check_scores, lambda u, i: u[:, : min(u.shape[1], i.shape[1])] @ i[:, : u.shape[1]].T,
         "must raise an error"),
        (exercises.check_gradient, lambda x, y, w: -x.T @ (y - x @ w), "missing 1/N"),
        (exercises.check_gradient, lambda x, y, w: x.T @ (y - x @ w) / len(y), "sign error"),
        (exercises.check_fold_in, lambda q, y, l2: np.linalg.lstsq(q, y, rcond=None)[0], "without the l2 term"),
        (exercises.check_split, lambda r, s: (r, r.sample(frac=0.2, random_state=s)), "in both train and test"),
        (exercises.check_ease, lambda x, l2: np.linalg.inv(x.T @ x + l2 * np.eye(x.shape[1])) @ (x.T @ x),
         "unconstrained ridge"),
        (exercises.check_split, lambda r, s: (r.iloc[:160], r.iloc[160:]), "only in test"),
        (exercises.check_weighted_mse, lambda t, p, w: weighted(t, p, w) * weights(t, w).sum() / (t > 0).sum(),
         "divided by the number of ratings"),
        (exercises.check_weighted_mse, lambda t, p, w: weighted(t, p, w) * weights(t, w).sum() / t.size,
         "divided by the number of entries"),
        (exercises.check_weighted_mse, lambda t, p, w: (np.where(t > 0, w, 1.0) * (t - p) ** 2).sum()
         / np.where(t > 0, w, 1.0).sum(), "the other way round"),
        (exercises.check_weighted_mse, lambda t, p, w: weighted(t, p, w) if w != 0.1 else 0.0, "right for 0 and 1"),
        (exercises.check_weighted_mse, lambda t, p, w: (t - p) ** 2, "must be one number"),
        (exercises.check_tune_on_validation, tune_on_test, "a sweep on test"),
        (exercises.check_tune_on_validation, lambda f, r, ws, fp, v, tr, te: (0.01, r(f(te, 0.01), te)),
         "fitted on test"),
        (exercises.check_tune_on_validation, tune_seen_valid, "holds the validation ratings"),
        (exercises.check_tune_on_validation, lambda *a: tune(*a, choose=max), "highest validation RMSE"),
        (exercises.check_tune_on_validation, tune_on_training_error, "training error"),
        (exercises.check_tune_on_validation, lambda *a: tune(*a, final=lambda valid_rmse: valid_rmse),
         "validation RMSE; return its test RMSE"),
        (exercises.check_tune_on_validation, lambda f, r, ws, fp, v, tr, te: (0.001, r(f(fp, 0.001), v)),
         "never scored"),
        (exercises.check_tune_on_validation, lambda f, r, ws, fp, v, tr, te: (0.001, r(f(tr, 0.1), te)),
         "not every w"),
        (exercises.check_tune_on_validation, lambda *a: tune(*a)[1], "return two values"),
        (exercises.check_cold_scores, lambda mu, bu, bi, p, q: p @ q.T, "inner product alone"),
        (exercises.check_cold_scores, lambda mu, bu, bi, p, q: mu + bi + p @ q.T, "b_u left out"),
        (exercises.check_cold_scores, lambda mu, bu, bi, p, q: mu + bu[:, None] + p @ q.T, "b̂_i left out"),
        (exercises.check_cold_scores, lambda mu, bu, bi, p, q: bu[:, None] + bi + p @ q.T, "μ left out"),
        (exercises.check_cold_scores, lambda mu, bu, bi, p, q: (mu + bu[:, None] + bi + p @ q.T).T, "transposed"),
        (exercises.check_procrustes, lambda a, b: procrustes(b, a), "transpose of R"),
        (exercises.check_procrustes, lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0], "least-squares map"),
        (exercises.check_procrustes, lambda a, b: (lambda u, s, vt: u @ vt.T)(*np.linalg.svd(a.T @ b)),
         "already returns Bᵀ"),
        (exercises.check_procrustes, lambda a, b: procrustes(a, b) @ np.diag([1, 1, 1, 1.5]), "not orthogonal"),
        (exercises.check_gradients, lambda p, x, y: backward(p, x, y, derivative=False), "tanh derivative"),
        (exercises.check_gradients, lambda p, x, y: backward(p, x, y, scale=1.0), "missing 1/N"),
        (exercises.check_gradients, lambda p, x, y: backward(p, x, y, sign=-1.0), "sign error"),
        (exercises.check_gradients, lambda p, x, y: backward(p, x, y, bias=np.mean), "averaged over the examples"),
        (exercises.check_gradients, lambda p, x, y: {**backward(p, x, y), "W1": 0 * p["W1"]},
         "wrong: dL/dW1; the layers above layer 1 are right"),
        (exercises.check_gradients, lambda p, x, y: {k: v for k, v in backward(p, x, y).items() if k != "b4"},
         "no gradient for b4"),
        (exercises.check_gradients, lambda p, x, y: {k: v.T for k, v in backward(p, x, y).items()}, "shape"),
        (exercises.check_gradients, lambda p, x, y: {**backward(p, x, y), "b4": p["b4"]}, "output layer's are wrong"),
        (exercises.check_gradients, lambda p, x, y: list(backward(p, x, y).values()), "return a dict"),
        (exercises.check_blend, lambda p, y: np.linalg.lstsq(p, y, rcond=None)[0], "without an intercept"),
        (exercises.check_blend, lambda p, y: np.r_[0.0, np.full(p.shape[1], 1 / p.shape[1])], "plain average"),
        (exercises.check_blend, blend_summing_to_one, "forced to sum to 1"),
        (exercises.check_blend, lambda p, y: np.roll(blend(p, y), -1), "intercept put last"),
        (exercises.check_blend, lambda p, y: np.linalg.lstsq(np.c_[np.ones(len(y)), y], p, rcond=None)[0],
         "predictions and y swapped"),
        (exercises.check_drop_ratings, lambda r, f, s: drop(r, f, s, pick=lambda o, k: o[-k:]), "order[-0:]"),
        (exercises.check_drop_ratings, lambda r, f, s: drop(r, f, s, pick=lambda o, k: o[k:]), "keeps the share"),
        (exercises.check_drop_ratings, lambda r, f, s: drop(r, f, s, count=int), "use round, not int"),
        (exercises.check_drop_ratings, lambda r, f, s: drop(r, f, s, pick=lambda o, k: o[1 : k + 1]),
         "not the first rows"),
        (exercises.check_drop_ratings, lambda r, f, s: drop(r, f, s, pick=lambda o, k: np.random.default_rng(
            round(f * 100)).permutation(len(o))[:k]), "plus more"),
        (exercises.check_drop_ratings, lambda r, f, s: r.sample(frac=1 - f, random_state=s), "in their order"),
        (exercises.check_noise_experiment, lambda s, m, r, e: noise_experiment(s, m, r, e, part="test"),
         "scored on split.test"),
        (exercises.check_noise_experiment, lambda s, m, r, e: noise_experiment(s, m, r, e, part="train"),
         "whole training part"),
        (exercises.check_noise_experiment, lambda s, m, r, e: noise_experiment(s, m, r, e, kind="missing"),
         "that is missing data"),
        (exercises.check_noise_experiment, lambda s, m, r, e: noise_experiment(s, m, r, e).to_numpy(),
         "one row per noise rate"),
        (exercises.check_scores_without, lambda x, b, d: x @ b - b[:, d].sum(axis=1), "deleted columns"),
        (exercises.check_scores_without, lambda x, b, d: x @ b + b[d].sum(axis=0), "added, not subtracted"),
        (exercises.check_scores_without, lambda x, b, d: x @ b, "nothing was deleted"),
        (exercises.check_scores_without, lambda x, b, d: x @ b - b[d[0]], "only the first"),
        (exercises.check_scores_without, lambda x, b, d: x @ b - b[d], "sum the deleted rows"),
        (exercises.check_mirror_augment, lambda p, t: (np.r_[p, np.flip(p, 1)], np.r_[t, t]), "upside down"),
        (exercises.check_mirror_augment, lambda p, t: (np.r_[p, np.flip(p, 3)], np.r_[t, t]), "colours"),
        (exercises.check_mirror_augment, lambda p, t: (np.flip(p, 2), t), "shapes"),
        (exercises.check_mirror_augment, lambda p, t: (np.r_[np.flip(p, 2), p], np.r_[t, t]), "first half"),
        (exercises.check_mirror_augment, lambda p, t: (np.r_[p, np.flip(p, 2)], np.r_[t, t[::-1]]), "same order"),
        (exercises.check_swap_choices, mutating_swap, "changed its input"),
        (exercises.check_swap_choices, lambda r, f, s: r.iloc[: round((1 - f) * len(r))].copy(), "rows are gone"),
        (exercises.check_swap_choices, lambda r, f, s: r.assign(rating=r["rating"].sample(frac=1, random_state=s)
                                                                .to_numpy()), "rating noise"),
        (exercises.check_swap_choices, lambda r, f, s: swap(r, f, s, fraction_of="users"), "not of the users"),
        (exercises.check_swap_choices, lambda r, f, s: swap(r, f, s, rated_ok=True), "same movie twice"),
        (exercises.check_swap_choices, lambda r, f, s: swap(r, f, s, catalogue=np.arange(1, 50)), "not in the table"),
        (exercises.check_swap_choices, lambda r, f, s: swap(r, f, None), "same seed gave a different damage"),
        (exercises.check_swap_choices, lambda r, f, s: swap(r, f, 0), "the seed is ignored"),
        (exercises.check_swap_choices, lambda r, f, s: swap(r, f, s).astype({"item_id": float}), "dtypes"),
        (exercises.check_swap_choices, lambda r, f, s: swap(r, f, s).reset_index(drop=True), "their index"),
    ],
)  # fmt: skip
def test_typical_mistakes_are_named(check, wrong, says):
    feedback = check(wrong)
    assert not feedback.correct and says in feedback.message, feedback.message
    assert feedback.pointer  # the hint


def ease(x, l2):
    p = np.linalg.inv(x.T @ x + l2 * np.eye(x.shape[1]))
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    return b


def test_right_answers_pass_and_stubs_or_crashes_get_the_hint():
    right = {
        exercises.check_masked_mse: masked,
        exercises.check_conv1d: lambda x, k: np.array(
            [x[t : t + len(k)] @ k for t in range(len(x) - len(k) + 1)]
        ),
        exercises.check_gradient: lambda x, y, w: -x.T @ (y - x @ w) / len(y),
        exercises.check_fold_in: lambda q, y, l2: np.linalg.solve(q.T @ q + l2 * np.eye(q.shape[1]), q.T @ y),
        exercises.check_ease: ease,
        exercises.check_weighted_mse: weighted,
        exercises.check_tune_on_validation: tune,
        exercises.check_cold_scores: cold_scores,
        exercises.check_procrustes: lambda a, b: orthogonal_procrustes(a, b)[0],  # scipy's, not ours
        exercises.check_gradients: backward,
        exercises.check_blend: blend,
        exercises.check_drop_ratings: drop,
        exercises.check_swap_choices: swap,
        exercises.check_mirror_augment: lambda p, t: (np.r_[p, np.flip(p, 2)], np.r_[t, t]),
        exercises.check_scores_without: lambda x, b, d: x @ b - b[d].sum(axis=0),
        exercises.check_noise_experiment: noise_experiment,
    }
    for check, fn in right.items():
        assert check(fn).correct, check.__name__
        feedback = check(stub)
        assert not feedback.correct and not feedback.answered and "not done yet" in feedback.message
        crashed = check(lambda *_: 1 / 0)
        assert "ZeroDivisionError" in crashed.message and crashed.pointer


def test_split_check_catches_a_mutated_input_and_the_feedback_is_the_quiz_one():
    def mutating(ratings, seed):
        ratings["rating"] = 0
        return ratings.iloc[:0], ratings

    assert "changed its input" in exercises.check_split(mutating).message
    assert isinstance(
        exercises.check_split(stub), quiz.Feedback
    )  # one checking machinery for quiz and exercises


def test_split_reference_solution_keeps_every_rating_once():
    ratings = pd.DataFrame({"user_id": [1] * 10 + [2] * 5, "item_id": range(15), "rating": [4.0] * 15})
    done = {}
    source = exercise_cells(nbformat.read(CHAPTERS[0], as_version=4))[0]
    exec(compile(source, "01", "exec"), done)
    train, test = done["my_split"](ratings, 0)
    assert len(train) + len(test) == 15 and set(test["user_id"]) <= set(train["user_id"])


CHECKS = [getattr(exercises, name) for name in dir(exercises) if name.startswith("check_")]
# what an answer looks like: an equals sign, numpy calls, matrix products, transposes, inverses, powers
FORMULA = re.compile(r"=|np\.|@|\*\*|ᵀ|⁻¹|\.T\b|\bsum_|Σ")


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_the_first_hint_is_a_question_not_the_answer(check):
    for untouched in (stub, lambda *_: 1 / 0):  # the student version's stub, and code that crashes
        feedback = check(untouched)
        assert not feedback.correct and "?" in feedback.pointer, feedback.pointer
        assert not FORMULA.search(feedback.pointer), feedback.pointer


def test_a_correct_answer_prints_nothing_more_and_a_wrong_one_its_hint():
    right = lambda q, y, l2: np.linalg.solve(q.T @ q + l2 * np.eye(q.shape[1]), q.T @ y)  # noqa: E731
    feedback = exercises.check_fold_in(right)
    assert feedback.correct and feedback.pointer == "" and str(feedback) == "Exercise 06.1: correct."
    wrong = exercises.check_fold_in(lambda q, y, l2: np.linalg.lstsq(q, y, rcond=None)[0])
    assert str(wrong) == f"{wrong.message}\nhint: {wrong.pointer}" and wrong.pointer


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name[:2])
def test_the_exercise_cell_prints_only_correct_when_correct_and_only_the_question_when_untouched(
    chapter, capsys
):
    source = exercise_cells(nbformat.read(chapter, as_version=4))[0]
    exec(compile(source, chapter.name, "exec"), {})  # the reference solution
    assert capsys.readouterr().out.strip().endswith(": correct.")
    exec(compile(strip_solutions(source, "x"), chapter.name, "exec"), {})  # the student version's stub
    out = capsys.readouterr().out
    assert "not done yet" in out and "hint:" in out and not FORMULA.search(out.split("hint:", 1)[1]), out


def test_tuning_may_score_test_with_the_model_fitted_on_the_fit_part_or_refit_on_train():
    assert exercises.check_tune_on_validation(tune).correct
    assert exercises.check_tune_on_validation(lambda *a: tune(*a, refit=False)).correct
    swept = exercises.check_tune_on_validation(tune_on_test)
    assert not swept.correct and "scored 4 times" in swept.message  # the old exercise's sweep fails
