"""Gradient descent by hand on a toy-size regression model (§3.4): forward, loss, backward, step, in numpy.

    h1 = tanh(x W1 + b1)      h2 = tanh(h1 W2 + b2)      ŷ = h2 W3 + b3      L = 1/(2N) Σ_n (y_n − ŷ_n)²

The backward pass is the chain rule, from the loss down (g_k = ∂L/∂(pre-activation of layer k)):

    g3 = (ŷ − y) / N                  ∂L/∂W3 = h2ᵀ g3    ∂L/∂b3 = Σ_n g3
    g2 = (g3 W3ᵀ) ⊙ (1 − h2²)         ∂L/∂W2 = h1ᵀ g2    ∂L/∂b2 = Σ_n g2      (tanh′ = 1 − tanh²)
    g1 = (g2 W2ᵀ) ⊙ (1 − h1²)         ∂L/∂W1 = xᵀ g1     ∂L/∂b1 = Σ_n g1

and one step of gradient descent is θ ← θ − η ∂L/∂θ for every parameter θ. Pure numpy, no TensorFlow:
the reference that the notebook's `tf.GradientTape` and Keras optimizer steps are checked against.

>>> x, y = tiny_problem(split.train, size=512, seed=42)                       # doctest: +SKIP
>>> run = descend(init_params((2, 8, 8, 1), seed=42), x, y, learning_rate=0.1, steps=200)   # doctest: +SKIP
>>> run.losses[0], run.losses[-1], run.diverged                               # doctest: +SKIP
>>> 2 / curvature(run.params, x, y)       # the largest step that still settles near there  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recsys_lab.data.dataset import check_ratings

Params = dict[str, np.ndarray]  # "W1", "b1", "W2", "b2", "W3", "b3"


def init_params(sizes: tuple[int, ...] = (2, 8, 8, 1), *, seed: int) -> Params:
    """Glorot-uniform weights and zero biases for layers of `sizes` (input, hidden, hidden, output)."""
    if len(sizes) != 4 or min(sizes) < 1 or sizes[-1] != 1:
        raise ValueError(f"sizes must be (inputs, hidden1, hidden2, 1), all >= 1; got {sizes}")
    rng, params = np.random.default_rng(seed), {}
    for k, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes), start=1):
        limit = np.sqrt(6 / (fan_in + fan_out))
        params[f"W{k}"] = rng.uniform(-limit, limit, (fan_in, fan_out))
        params[f"b{k}"] = np.zeros(fan_out)
    return params


def forward(params: Params, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`(ŷ (N,), h1 (N, H1), h2 (N, H2))` for inputs `x` (N, D)."""
    h1 = np.tanh(x @ params["W1"] + params["b1"])  # (N, H1)
    h2 = np.tanh(h1 @ params["W2"] + params["b2"])  # (N, H2)
    return (h2 @ params["W3"] + params["b3"])[:, 0], h1, h2  # ŷ: (N,)


def loss(params: Params, x: np.ndarray, y: np.ndarray) -> float:
    """L = 1/(2N) Σ (y − ŷ)²."""
    return float(np.mean((y - forward(params, x)[0]) ** 2) / 2)


def gradients(params: Params, x: np.ndarray, y: np.ndarray) -> Params:
    """∂L/∂θ for every parameter, by the chain rule written out (same keys and shapes as `params`)."""
    y_hat, h1, h2 = forward(params, x)
    g3 = ((y_hat - y) / len(y))[:, None]  # (N, 1)
    g2 = (g3 @ params["W3"].T) * (1 - h2**2)  # (N, H2)
    g1 = (g2 @ params["W2"].T) * (1 - h1**2)  # (N, H1)
    return {
        "W3": h2.T @ g3,
        "b3": g3.sum(0),
        "W2": h1.T @ g2,
        "b2": g2.sum(0),
        "W1": x.T @ g1,
        "b1": g1.sum(0),
    }


def step(params: Params, grads: Params, learning_rate: float) -> Params:
    """θ − η ∂L/∂θ for every parameter: a new dict, `params` is left as it was."""
    return {name: value - learning_rate * grads[name] for name, value in params.items()}


def curvature(params: Params, x: np.ndarray, y: np.ndarray, *, eps: float = 1e-5) -> float:
    """κ: the largest eigenvalue of the Hessian of L at `params`, the loss's curvature along its steepest direction.

    Near a minimum, L is about a bowl ½ κ δ² along that direction, and one step of gradient descent multiplies
    the distance δ to the bottom by (1 − η κ): it shrinks only while η < 2/κ. The Hessian (second derivatives,
    one row per parameter) is built from central differences of `gradients`, so it costs two gradient
    evaluations per parameter: meant for toy models like this one.
    """
    names = list(params)
    theta = np.concatenate([params[n].ravel() for n in names])

    def flat_gradient(vector: np.ndarray) -> np.ndarray:
        sizes = np.cumsum([params[n].size for n in names])[:-1]
        point = {n: v.reshape(params[n].shape) for n, v in zip(names, np.split(vector, sizes), strict=True)}
        grads = gradients(point, x, y)
        return np.concatenate([grads[n].ravel() for n in names])

    hessian = np.empty((theta.size, theta.size))
    for j in range(theta.size):
        nudge = np.zeros(theta.size)
        nudge[j] = eps
        hessian[:, j] = (flat_gradient(theta + nudge) - flat_gradient(theta - nudge)) / (2 * eps)
    return float(np.linalg.eigvalsh((hessian + hessian.T) / 2)[-1])


@dataclass(frozen=True)
class Descent:
    """A run of full-batch gradient descent: final `params`, `losses` (one per step, from step 0), `diverged`."""

    params: Params
    losses: np.ndarray
    diverged: bool


def descend(params: Params, x: np.ndarray, y: np.ndarray, *, learning_rate: float, steps: int) -> Descent:
    """`steps` full-batch gradient-descent steps from `params`; stops early once the loss has blown up.

    Diverged means the loss became non-finite or grew past 100 × its starting value.
    """
    if not learning_rate > 0 or steps < 1:
        raise ValueError(f"need learning_rate > 0 and steps >= 1; got {learning_rate} and {steps}")
    losses = [loss(params, x, y)]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            params = step(params, gradients(params, x, y), learning_rate)
            losses.append(loss(params, x, y))
            if not np.isfinite(losses[-1]) or losses[-1] > 100 * losses[0]:
                return Descent(params, np.array(losses), diverged=True)
    return Descent(params, np.array(losses), diverged=False)


def tiny_problem(ratings: pd.DataFrame, *, size: int = 512, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A small regression problem cut from real ratings: `x (size, 2)`, `y (size,)`.

    x holds, per sampled rating, the user's and the item's mean rating *over their other ratings*
    (the rating itself left out, so x never contains y; μ where there is no other rating), standardised;
    y is the rating.
    """
    ratings = check_ratings(ratings, what="ratings")
    if len(ratings) < size:
        raise ValueError(f"need at least size={size} ratings to sample from; got {len(ratings)}")
    rating = ratings["rating"].to_numpy(np.float64)
    columns = []
    for key in ("user_id", "item_id"):
        group = ratings.groupby(key)["rating"]
        total, count = group.transform("sum").to_numpy(), group.transform("count").to_numpy()
        others = np.where(count > 1, (total - rating) / np.maximum(count - 1, 1), rating.mean())
        columns.append(others)
    rows = np.random.default_rng(seed).choice(len(ratings), size, replace=False)
    x = np.stack(columns, axis=1)[rows]
    return (x - x.mean(0)) / x.std(0), rating[rows]
