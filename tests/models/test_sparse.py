"""The sparse Embedding against Keras' own; LazyAdam against a numpy reference of the lazy rule and Keras' Adam."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from recsys_lab.models.base import TrainConfig  # noqa: E402
from recsys_lab.models.sparse import Embedding, LazyAdam  # noqa: E402


def test_embedding_gives_keras_values_gradients_and_training(problem):
    import tensorflow as tf

    table, batches = problem
    ours, theirs = (
        cls(*table.shape, embeddings_initializer=keras.initializers.Constant(table))
        for cls in (Embedding, keras.layers.Embedding)
    )
    for layer in (ours, theirs):
        layer.build()
    rows = tf.constant([[0, 3], [3, 11]])
    np.testing.assert_array_equal(ours(rows), theirs(rows))
    grads = []
    for layer in (ours, theirs):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(rows) ** 3)
        (grad,) = tape.gradient(loss, layer.trainable_variables)
        grads.append(tf.convert_to_tensor(grad).numpy())
    np.testing.assert_allclose(*grads, rtol=1e-6)
    trained = [
        train_embedding(keras.optimizers.Adam(0.1), batches, table, cls)
        for cls in (Embedding, keras.layers.Embedding)
    ]
    np.testing.assert_allclose(*trained, rtol=1e-6)
    assert (
        keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(ours)).__class__
        is Embedding
    )


def test_embedding_under_mixed_precision_returns_the_compute_dtype():
    layer = Embedding(5, 2, dtype="mixed_float16")
    layer.build()
    assert keras.backend.standardize_dtype(layer(np.array([1, 4])).dtype) == "float16"
    assert layer.embeddings.dtype == "float32"


def train_embedding(optimizer, batches, table, cls=None):
    """Minimise sum over each batch of ||row - target||² for an Embedding; the final table."""
    import tensorflow as tf

    cls = cls or keras.layers.Embedding
    layer = cls(*table.shape, embeddings_initializer=keras.initializers.Constant(table))
    layer.build()
    for rows, target in batches:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((layer(rows) - target) ** 2)
        grads = tape.gradient(loss, layer.trainable_variables)
        assert isinstance(grads[0], tf.IndexedSlices)  # the case LazyAdam is for
        optimizer.apply(grads, layer.trainable_variables)
    return layer.embeddings.numpy()


def lazy_adam_numpy(batches, table, lr=0.1, b1=0.9, b2=0.999, eps=1e-7):
    """The lazy rule written out: only rows in the batch move; repeated rows' gradients are summed."""
    w, m, v = table.astype(np.float64), np.zeros_like(table, float), np.zeros_like(table, float)
    for t, (rows, target) in enumerate(batches, start=1):
        grad = np.zeros_like(w)
        np.add.at(grad, rows, 2 * (w[rows] - target))
        touched = np.unique(rows)
        m[touched] = b1 * m[touched] + (1 - b1) * grad[touched]
        v[touched] = b2 * v[touched] + (1 - b2) * grad[touched] ** 2
        alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        w[touched] -= alpha * m[touched] / (np.sqrt(v[touched]) + eps)
    return w


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    table = rng.normal(size=(12, 3)).astype("float32")
    rows = [np.array([0, 3, 3, 7]), np.array([1, 2]), np.array([3, 11, 0]), np.array([5])]
    batches = [(r, rng.normal(size=(len(r), 3)).astype("float32")) for r in rows]
    return table, batches


def test_lazy_adam_equals_the_lazy_rule_and_leaves_untouched_rows(problem):
    table, batches = problem
    got = train_embedding(LazyAdam(0.1), batches, table)
    np.testing.assert_allclose(got, lazy_adam_numpy(batches, table), rtol=1e-5, atol=1e-6)
    untouched = [4, 6, 8, 9, 10]  # never in a batch
    np.testing.assert_array_equal(got[untouched], table[untouched])


def test_keras_adam_moves_every_row_lazy_adam_does_not(problem):
    table, batches = problem
    dense = train_embedding(keras.optimizers.Adam(0.1), batches, table)
    # Keras' Adam: row 1 (only in batch 2) keeps moving in batches 3 and 4 on its decaying momentum.
    lazy = train_embedding(LazyAdam(0.1), batches, table)
    assert not np.allclose(dense[1], lazy[1])
    # After one step (no row twice in it) the two agree: untouched rows have zero moments either way.
    first = batches[1:2]
    np.testing.assert_allclose(
        train_embedding(keras.optimizers.Adam(0.1), first, table),
        train_embedding(LazyAdam(0.1), first, table),
        rtol=1e-5,
        atol=1e-6,
    )


def test_dense_gradients_get_plain_adam():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(64, 5)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")

    def fit(optimizer):
        keras.utils.set_random_seed(3)
        model = keras.Sequential(
            [keras.Input((5,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)]
        )
        model.compile(optimizer=optimizer, loss="mse")
        model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
        return model.get_weights()

    for a, b in zip(fit(keras.optimizers.Adam(0.01)), fit(LazyAdam(0.01)), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_train_config_names_it_and_refuses_unknown_optimizers():
    assert isinstance(TrainConfig(optimizer="lazy_adam").make_optimizer(), LazyAdam)
    with pytest.raises(ValueError, match="lazy_adam"):
        TrainConfig(optimizer="adamw")
    with pytest.raises(ValueError, match="amsgrad"):
        LazyAdam(amsgrad=True)
