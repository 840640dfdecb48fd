"""§3.4 gradient descent by hand: gradients against finite differences and GradientTape, one SGD step against
Keras', descent that converges or says it diverged, the tiny problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lab import gradient_descent as gd


def test_hand_gradients_equal_finite_differences(toy):
    x, y, params = toy
    grads, eps = gd.gradients(params, x, y), 1e-6
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus, minus = dict(params), dict(params)
            plus[name], minus[name] = value.copy(), value.copy()
            plus[name][index] += eps
            minus[name][index] -= eps
            numeric[index] = (gd.loss(plus, x, y) - gd.loss(minus, x, y)) / (2 * eps)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def keras_replica(params):
    """The same network as Keras layers, weights copied from `params`."""
    import keras

    layers = [keras.layers.Dense(params[f"W{k}"].shape[1], "tanh" if k < 3 else None) for k in (1, 2, 3)]
    model = keras.Sequential([keras.Input((params["W1"].shape[0],)), *layers])
    for k, layer in enumerate(layers, start=1):
        layer.set_weights([params[f"W{k}"], params[f"b{k}"]])
    return model, [v for k in (1, 2, 3) for v in (layers[k - 1].kernel, layers[k - 1].bias)]


def test_hand_gradients_equal_gradient_tape(toy):
    import tensorflow as tf

    x, y, params = toy
    model, variables = keras_replica({k: v.astype(np.float64) for k, v in params.items()})
    with tf.GradientTape() as tape:
        y_hat = model(x.astype(np.float32))[:, 0]
        loss = tf.reduce_mean((y.astype(np.float32) - y_hat) ** 2) / 2  # L = 1/(2N) Σ (y − ŷ)²
    tape_grads = tape.gradient(loss, variables)
    hand = gd.gradients(params, x, y)
    for name, grad in zip(("W1", "b1", "W2", "b2", "W3", "b3"), tape_grads, strict=True):
        np.testing.assert_allclose(grad.numpy(), hand[name], rtol=1e-4, atol=1e-6, err_msg=name)
    assert float(loss) == pytest.approx(gd.loss(params, x, y), rel=1e-5)


def test_one_hand_step_equals_the_keras_sgd_step(toy):
    import keras

    x, y, params = toy
    _, variables = keras_replica(params)
    hand = gd.gradients(params, x, y)
    names = ("W1", "b1", "W2", "b2", "W3", "b3")
    keras.optimizers.SGD(learning_rate=0.05).apply_gradients(
        [(hand[n].astype(np.float32), v) for n, v in zip(names, variables, strict=True)]
    )
    stepped = gd.step(params, hand, 0.05)
    for name, variable in zip(names, variables, strict=True):
        np.testing.assert_allclose(variable.numpy(), stepped[name], rtol=1e-5, atol=1e-6, err_msg=name)


def test_descend_converges_or_says_it_diverged(toy):
    x, y, params = toy
    before = {k: v.copy() for k, v in params.items()}
    slow = gd.descend(params, x, y, learning_rate=0.05, steps=100)
    assert not slow.diverged and len(slow.losses) == 101
    assert np.all(np.diff(slow.losses) <= 1e-12), "a small step size never increases the loss"
    assert slow.losses[-1] < 0.5 * slow.losses[0]
    wild = gd.descend(params, x, y, learning_rate=50.0, steps=100)
    assert wild.diverged and len(wild.losses) < 101
    for name in params:  # never modified in place
        np.testing.assert_array_equal(params[name], before[name])
    with pytest.raises(ValueError, match="learning_rate"):
        gd.descend(params, x, y, learning_rate=0, steps=10)
    with pytest.raises(ValueError, match="sizes"):
        gd.init_params((2, 3, 1), seed=0)


def test_tiny_problem_leaves_the_rating_out_of_its_features():
    ratings = pd.DataFrame({"user_id": [1, 1, 1, 2, 2, 3], "item_id": [1, 2, 3, 1, 2, 1],
                            "rating": [5.0, 3.0, 1.0, 4.0, 2.0, 3.0]})  # fmt: skip
    x, y = gd.tiny_problem(ratings, size=6, seed=0)
    mu = ratings["rating"].mean()
    raw = []  # brute force: the user's and item's mean over their *other* ratings (μ when there are none)
    for row in ratings.itertuples():
        others = ratings.drop(index=row.Index)
        mean = [
            others.loc[others[key] == getattr(row, key), "rating"].mean() for key in ("user_id", "item_id")
        ]
        raw.append([mu if np.isnan(m) else m for m in mean])
    order = np.random.default_rng(0).choice(6, 6, replace=False)
    expected = np.array(raw)[order]
    np.testing.assert_allclose(x, (expected - expected.mean(0)) / expected.std(0))
    np.testing.assert_array_equal(y, ratings["rating"].to_numpy()[order])
    with pytest.raises(ValueError, match="at least size=10"):
        gd.tiny_problem(ratings, size=10, seed=0)


def test_curvature_is_the_top_eigenvalue_of_the_hessian_by_autodiff(toy):
    import tensorflow as tf

    x, y, params = toy
    names = ["W1", "b1", "W2", "b2", "W3", "b3"]
    theta = tf.Variable(np.concatenate([params[n].ravel() for n in names]))
    sizes = [params[n].size for n in names]

    def loss_of(vector):
        parts = dict(zip(names, tf.split(vector, sizes), strict=True))
        w = {n: tf.reshape(parts[n], params[n].shape) for n in names}
        h1 = tf.tanh(x @ w["W1"] + w["b1"])
        h2 = tf.tanh(h1 @ w["W2"] + w["b2"])
        return tf.reduce_mean((y - (h2 @ w["W3"] + w["b3"])[:, 0]) ** 2) / 2

    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            value = loss_of(theta)
        grad = inner.gradient(value, theta)
    hessian = outer.jacobian(grad, theta).numpy()  # second derivatives by automatic differentiation
    assert gd.curvature(params, x, y) == pytest.approx(np.linalg.eigvalsh(hessian)[-1], rel=1e-4)


def test_steps_past_two_over_the_curvature_diverge_and_below_settle(toy):
    x, y, params = toy
    settled = gd.descend(params, x, y, learning_rate=0.1, steps=300)
    edge = 2 / gd.curvature(settled.params, x, y)  # the bowl's edge near where it settled
    below = gd.descend(settled.params, x, y, learning_rate=0.8 * edge, steps=200)
    above = gd.descend(settled.params, x, y, learning_rate=1.5 * edge, steps=200)
    assert not below.diverged and below.losses[-1] < below.losses[0]  # keeps going down
    assert above.diverged or above.losses[-1] > above.losses[0]  # never settles below where it started
    too_far = gd.descend(settled.params, x, y, learning_rate=3 * edge, steps=200)
    assert too_far.diverged
