"""Exercise checks against correct answers and typical mistakes; the chapters' reference solutions pass them."""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pandas as pd
import pytest
from scipy.linalg import orthogonal_procrustes
from scipy.spatial.distance import cdist

from recsys_lab import exercises, quiz
from recsys_lab.course.student import strip_solutions

from ..helpers import CHAPTERS, exercise_cells


def stub(*_):
    raise NotImplementedError("exercise: write your code here")


def masked_gradient(y_true, y_pred):
    mask = ~np.isnan(y_true)
    return -2 * np.where(mask, y_true - y_pred, 0.0) / mask.sum()


def weights(y_true, w):
    return np.where(y_true > 0, 1.0, w)


def weighted(y_true, y_pred, w):
    c = weights(y_true, w)
    return (c * (y_true - y_pred) ** 2).sum() / c.sum()


def reciprocal_rank(recommended, relevant, k, *, score=lambda ranks: 1 / ranks[0], zero_without_hit=True):
    """MRR@k with the given score of a user's 1-based hit ranks (the right one: 1 / the first)."""
    per_user = []
    for items, rel in zip(recommended, relevant, strict=True):
        ranks = [r for r, item in enumerate(items[:k], start=1) if item in rel]
        per_user.append(score(ranks) if ranks or not zero_without_hit else 0.0)
    return np.mean(per_user)


def top_k(scores, seen, k):
    return np.argsort(-np.where(seen, -np.inf, scores), axis=1)[:, :k]


def weighted_nan(y_true, y_pred, w):
    """02.3's loss, in numpy: NaN in y_true marks an unrated entry (target 0, weight w)."""
    return weighted(np.nan_to_num(y_true, nan=0.0), y_pred, w)


def user_top_k(scores, seen, k, best=True):
    s = scores.astype(np.float64)  # a copy
    s[seen] = -np.inf if best else np.inf
    return np.argsort(-s if best else s, kind="stable")[:k]


def mutating_top_k(scores, seen, k):
    scores[seen] = -np.inf
    return np.argsort(-scores)[:k]


def compare_l2(fold_in, learned, l2s):
    return {l2: float(np.sqrt(np.mean((fold_in(l2) - learned) ** 2))) for l2 in l2s}


def key(question):
    return question.answer if question.multiple else {question.answer}


def credit(question, selected):
    return max(len(selected & key(question)) - len(selected - key(question)), 0) / len(key(question))


def my_question():
    return quiz.Question("Which metric ranks?", ("RMSE", "NDCG@10", "MAE"), 1, "NDCG scores a list.",
                         "01_data_tour.ipynb", "## 1. X")  # fmt: skip


def cold_scores(mu, user_bias, item_bias, user_vectors, item_vectors):
    return mu + user_bias[:, None] + item_bias[None, :] + user_vectors @ item_vectors.T


def procrustes(v_from, v_to):
    a, _, bt = np.linalg.svd(v_from.T @ v_to)
    return a @ bt


def blend_scores(user_vectors, item_vectors, gamma):
    """‖q_i‖^γ cos φ, written here from the cosine and the lengths (the test's own reference)."""
    cos = 1 - cdist(user_vectors, item_vectors, metric="cosine")  # (num_users, num_items)
    return cos * np.linalg.norm(item_vectors, axis=1)[None, :] ** gamma


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


def deeper_run(x, y, gradients, steps, learning_rate, seed, *, sign=-1.0, halve=True):
    """Exercise 05.3 written out again: Glorot-uniform (2, 8, 8, 8, 1) tanh network, `steps` of descent, L."""
    rng, params = np.random.default_rng(seed), {}
    for k, (fan_in, fan_out) in enumerate([(x.shape[1], 8), (8, 8), (8, 8), (8, 1)], start=1):
        limit = np.sqrt(6 / (fan_in + fan_out))
        params[f"W{k}"], params[f"b{k}"] = rng.uniform(-limit, limit, (fan_in, fan_out)), np.zeros(fan_out)
    for _ in range(steps):
        grads = gradients(params, x, y)
        params = {n: params[n] + sign * learning_rate * grads[n] for n in params}
    h = x
    for k in (1, 2, 3):
        h = np.tanh(h @ params[f"W{k}"] + params[f"b{k}"])
    error = y - (h @ params["W4"] + params["b4"])[:, 0]
    return np.mean(error**2) / (2 if halve else 1)


def deeper_run_by_hand(x, y, gradients, steps, learning_rate, seed):
    """The notebook's solution: the library's step, with the learner's (here: the check's) gradients."""
    from recsys_lab.methods import gradient_descent as gd

    rng, params = np.random.default_rng(seed), {}
    for k, (fan_in, fan_out) in enumerate([(2, 8), (8, 8), (8, 8), (8, 1)], start=1):
        limit = np.sqrt(6 / (fan_in + fan_out))
        params[f"W{k}"], params[f"b{k}"] = rng.uniform(-limit, limit, (fan_in, fan_out)), np.zeros(fan_out)
    for _ in range(steps):
        params = gd.step(params, gradients(params, x, y), learning_rate)
    h = x
    for k in (1, 2, 3):
        h = np.tanh(h @ params[f"W{k}"] + params[f"b{k}"])
    return np.mean((y - (h @ params["W4"] + params["b4"])[:, 0]) ** 2) / 2


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
        (exercises.check_masked_gradient, lambda t, p: -masked_gradient(t, p), "sign flipped"),
        (exercises.check_masked_gradient, lambda t, p: masked_gradient(t, p) / 2, "factor 2"),
        (exercises.check_masked_gradient, lambda t, p: masked_gradient(t, p) * (~np.isnan(t)).sum() / t.size,
         "divided by every entry"),
        (exercises.check_masked_gradient, lambda t, p: masked_gradient(t, p) * (~np.isnan(t)).sum(),
         "division by the number of ratings is missing"),
        (exercises.check_masked_gradient, lambda t, p: -2 * (t - p) / (~np.isnan(t)).sum(), "holds NaN"),
        (exercises.check_masked_gradient, lambda t, p: masked_gradient(t, p).sum(), "shape"),
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
        (exercises.check_reciprocal_rank, lambda *a: reciprocal_rank(*a, score=lambda r: 1 / r[-1]), "last hit"),
        (exercises.check_reciprocal_rank, lambda *a: reciprocal_rank(*a, score=lambda r: np.mean(np.reciprocal(r,
         dtype=float))), "mean of 1/rank"),
        (exercises.check_reciprocal_rank, lambda *a: reciprocal_rank(*a, score=lambda r: sum(1 / x for x in r)),
         "sum of 1/rank"),
        (exercises.check_reciprocal_rank, lambda *a: reciprocal_rank(*a, score=lambda r: r[0]), "rank itself"),
        (exercises.check_reciprocal_rank, lambda *a: reciprocal_rank(*a, zero_without_hit=False),
         "no relevant item made it fail"),
        (exercises.check_user_top_k, lambda s, seen, k: np.argsort(-s)[:k], "seen movies were not left out"),
        (exercises.check_user_top_k, lambda s, seen, k: np.sort(user_top_k(s, seen, k)), "wrong order"),
        (exercises.check_user_top_k, lambda s, seen, k: s[user_top_k(s, seen, k)], "return their indices"),
        (exercises.check_user_top_k, lambda s, seen, k: user_top_k(s, seen, k, best=False), "lowest scores"),
        (exercises.check_user_top_k, lambda s, seen, k: user_top_k(s, seen, k + 1), "shape (4,), expected (3,)"),
        (exercises.check_user_top_k, mutating_top_k, "changed `scores`"),
        (exercises.check_compare_l2, lambda f, learned, l2s: {a: float(np.mean((f(a) - learned) ** 2)) for a in l2s},
         "mean squared difference"),
        (exercises.check_compare_l2, lambda f, learned, l2s: {a: float(np.mean(f(a) - learned)) for a in l2s}, "cancel"),
        (exercises.check_compare_l2, lambda f, learned, l2s: [float(np.mean(f(a) - learned)) for a in l2s], "return a dict"),
        (exercises.check_split, lambda r, s: (r, r.sample(frac=0.2, random_state=s)), "in both train and test"),
        (exercises.check_ease, lambda x, l2: np.linalg.inv(x.T @ x + l2 * np.eye(x.shape[1])) @ (x.T @ x),
         "unconstrained ridge"),
        (exercises.check_split, lambda r, s: (r.iloc[:160], r.iloc[160:]), "only in test"),
        (exercises.check_top_k, lambda s, seen, k: np.argsort(-s, axis=1)[:, :k], "not left out"),
        (exercises.check_top_k, lambda s, seen, k: np.argsort(-np.where(seen, 0.0, s), axis=1)[:, :k], "score of 0"),
        (exercises.check_top_k, lambda s, seen, k: np.argsort(np.where(seen, np.inf, s), axis=1)[:, :k],
         "lowest scores first"),
        (exercises.check_top_k, lambda s, seen, k: top_k(s, seen, k)[:, ::-1], "not best first"),
        (exercises.check_top_k, lambda s, seen, k: top_k(s, seen, k).T, "transposed"),
        (exercises.check_top_k, lambda s, seen, k: top_k(s, seen, s.shape[1]), "keep only the first k"),
        (exercises.check_weighted_mse, lambda t, p, w: weighted(t, p, w) * weights(t, w).sum() / (t > 0).sum(),
         "divided by the number of ratings"),
        (exercises.check_weighted_mse, lambda t, p, w: weighted(t, p, w) * weights(t, w).sum() / t.size,
         "divided by the number of entries"),
        (exercises.check_weighted_mse, lambda t, p, w: (np.where(t > 0, w, 1.0) * (t - p) ** 2).sum()
         / np.where(t > 0, w, 1.0).sum(), "the other way round"),
        (exercises.check_weighted_mse, lambda t, p, w: weighted(t, p, w) if w != 0.1 else 0.0, "right for 0 and 1"),
        (exercises.check_weighted_mse, lambda t, p, w: (t - p) ** 2, "must be one number"),
        (exercises.check_keras_weighted_mse, lambda t, p, w: weighted(t, p, w), "the loss is NaN"),
        (exercises.check_keras_weighted_mse, lambda t, p, w: weighted_nan(t, p, w) * weights(np.nan_to_num(t), w).sum()
         / (~np.isnan(t)).sum(), "divided by the number of ratings"),
        (exercises.check_keras_weighted_mse, lambda t, p, w: weighted_nan(t, p, w) if w != 0.1 else 0.0,
         "Exercise 02.3: not yet; of w = 0, 0.1 and 1 it is right for 0 and 1"),
        (exercises.check_cold_scores, lambda mu, bu, bi, p, q: p @ q.T, "inner product alone"),
        (exercises.check_cold_scores, lambda mu, bu, bi, p, q: mu + bi + p @ q.T, "b_u left out"),
        (exercises.check_cold_scores, lambda mu, bu, bi, p, q: mu + bu[:, None] + p @ q.T, "b̂_i left out"),
        (exercises.check_cold_scores, lambda mu, bu, bi, p, q: bu[:, None] + bi + p @ q.T, "μ left out"),
        (exercises.check_cold_scores, lambda mu, bu, bi, p, q: (mu + bu[:, None] + bi + p @ q.T).T, "transposed"),
        (exercises.check_length_blend, lambda u, i, g: blend_scores(u, i, 1.0), "not raised to γ"),
        (exercises.check_length_blend, lambda u, i, g: blend_scores(u, i, 1 - g), "1 − γ"),
        (exercises.check_length_blend, lambda u, i, g: blend_scores(u, i, 0.0), "cosine alone"),
        (exercises.check_length_blend, lambda u, i, g: blend_scores(u, i, g).T, "transposed"),
        (exercises.check_length_blend, lambda u, i, g: blend_scores(u, i, 0.0) * np.linalg.norm(u, axis=1)[:, None] ** g,
         "user's length"),
        (exercises.check_align_users, lambda p, q1, q2: p @ procrustes(q2, q1), "Ω transposed"),
        (exercises.check_align_users, lambda p, q1, q2: p, "unchanged"),
        (exercises.check_align_users, lambda p, q1, q2: p @ np.linalg.lstsq(q1, q2, rcond=None)[0], "least-squares"),
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
        (exercises.check_deeper_run, lambda x, y, g, s, lr, seed: deeper_run(x, y, g, 0, lr, seed), "not applied"),
        (exercises.check_deeper_run, lambda *a: deeper_run(*a, sign=1.0), "climbs the loss"),
        (exercises.check_deeper_run, lambda *a: deeper_run(*a, halve=False), "without the 1/2"),
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
        (exercises.check_grade, lambda q, s: bool(s) and s <= key(q), "partial credit"),
        (exercises.check_grade, lambda q, s: bool(s & key(q)), "any overlap"),
        (exercises.check_grade, lambda q, s: s >= key(q), "superset"),
        (exercises.check_partial_credit, lambda q, s: len(s & key(q)) / len(key(q)), "wrong picks cost nothing"),
        (exercises.check_partial_credit, lambda q, s: (len(s & key(q)) - len(s - key(q))) / len(key(q)), "clip it"),
        (exercises.check_partial_credit, lambda q, s: credit(q, s) * len(key(q)) / len(q.choices), "number of choices"),
        (exercises.check_partial_credit, lambda q, s: credit(q, s) * len(key(q)) / len(s), "number of picks"),
        (exercises.check_question, lambda: quiz.Question("Which?", ("a", "b"), 0, "a.", "09_faq.ipynb", "## 1. X"),
         "at least three"),
        (exercises.check_question, lambda: quiz.Question("Which?", ("a", "b", "c"), 3, "a.", "09_faq.ipynb", "## X"),
         "choice numbers from 0 to 2"),
        (exercises.check_question, lambda: quiz.Question("Which?", ("a", "b", "c"), 0, " ", "09_faq.ipynb", "## X"),
         "an explanation"),
        (exercises.check_question, lambda: quiz.Question("Which?", ("a", "b", "c"), 0, "a.", "09_faq", "1. X"),
         "a notebook file name"),
        (exercises.check_question, lambda: "Which?", "return a quiz.Question"),
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
        exercises.check_reciprocal_rank: reciprocal_rank,
        exercises.check_top_k: top_k,
        exercises.check_masked_gradient: masked_gradient,
        exercises.check_conv1d: lambda x, k: np.array(
            [x[t : t + len(k)] @ k for t in range(len(x) - len(k) + 1)]
        ),
        exercises.check_gradient: lambda x, y, w: -x.T @ (y - x @ w) / len(y),
        exercises.check_fold_in: lambda q, y, l2: np.linalg.solve(q.T @ q + l2 * np.eye(q.shape[1]), q.T @ y),
        exercises.check_ease: ease,
        exercises.check_weighted_mse: weighted,
        exercises.check_keras_weighted_mse: weighted_nan,
        exercises.check_cold_scores: cold_scores,
        exercises.check_procrustes: lambda a, b: orthogonal_procrustes(a, b)[0],  # scipy's, not ours
        exercises.check_length_blend: blend_scores,
        exercises.check_align_users: lambda p, q1, q2: p @ orthogonal_procrustes(q1, q2)[0],  # scipy's
        exercises.check_gradients: backward,
        exercises.check_deeper_run: deeper_run_by_hand,
        exercises.check_blend: blend,
        exercises.check_drop_ratings: drop,
        exercises.check_swap_choices: swap,
        exercises.check_user_top_k: user_top_k,
        exercises.check_compare_l2: compare_l2,
        exercises.check_grade: lambda q, s: s == key(q),
        exercises.check_partial_credit: credit,
        exercises.check_question: my_question,
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


def test_the_conv1d_check_reads_the_one_line_form_of_exercise_04_1():
    """Chapter 04's learner fills one line inside a given loop over the windows: right, flipped, or a stub."""

    def filled(line):
        def my_conv1d(x, kernel):
            width = len(kernel)
            y = np.zeros(len(x) - width + 1)
            for t in range(len(y)):
                y[t] = line(x[t : t + width], kernel)
            return y

        return my_conv1d

    assert exercises.check_conv1d(filled(lambda window, k: window @ k)).correct
    flipped = exercises.check_conv1d(filled(lambda window, k: window @ k[::-1]))
    assert not flipped.correct and "flipped kernel" in flipped.message and flipped.pointer
    summed = exercises.check_conv1d(
        filled(lambda window, k: window * k)
    )  # forgot to add up: cannot fill y[t]
    assert not summed.correct and "raised" in summed.message and "flip" in summed.pointer


def shuffle_warm(posters, warm, seed):
    rows, out = np.flatnonzero(warm), posters.copy()
    out[rows] = posters[np.random.default_rng(seed).permutation(rows)]
    return out


def test_the_shuffled_posters_check_of_exercise_04_3():
    assert exercises.check_shuffled_posters(shuffle_warm).correct

    def mutating(posters, warm, seed):
        posters[:] = shuffle_warm(posters, warm, seed)
        return posters

    def everything(posters, warm, seed):
        return posters[np.random.default_rng(seed).permutation(len(posters))]

    def repeated(posters, warm, seed):
        out = posters.copy()
        out[np.flatnonzero(warm)] = posters[0]
        return out

    for wrong, says in [
        (mutating, "changed its input"),
        (everything, "cold"),
        (repeated, "lost or repeated"),
        (lambda p, w, s: p.copy(), "nothing was shuffled"),
        (lambda p, w, s: p[:-1], "shape"),
    ]:
        feedback = exercises.check_shuffled_posters(wrong)
        assert not feedback.correct and says in feedback.message and feedback.pointer, (says, feedback)
    todo = exercises.check_shuffled_posters(stub)
    assert not todo.correct and "not done yet" in todo.message and todo.pointer


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
    source = next(c for c in exercise_cells(nbformat.read(CHAPTERS[0], as_version=4)) if "def my_split" in c)
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
