"""Embedding tables whose training step costs what the batch costs, not what the table costs.

A batch of 4,096 ratings touches at most 4,096 rows of each table, and that is all a step needs to read and
write. Two things in Keras 3 (TensorFlow backend, CPU) make a step cost time in proportion to the whole table
instead (one step timed both ways in notebook 07; whole epochs up to ml-25m's shape in `docs/scale.md`):

* `keras.layers.Embedding` looks rows up with `ops.take(self.embeddings, ids)`, which first turns the variable
  into a tensor: the whole table is read, and the optimizer's in-place update of a few rows afterwards makes
  TensorFlow copy the whole table again (copy on write). `Embedding` here gathers the rows straight from the
  variable (`tf.gather` on the resource variable), so neither copy happens. Same values, same gradients.
* `keras.optimizers.Adam` turns the sparse gradient dense: every step decays the two moment estimates of
  *every* row and moves every row a little. `LazyAdam` applies Adam's rule to the touched rows only, as
  TensorFlow Addons' `LazyAdam` did:

    m_r ← β₁ m_r + (1 − β₁) g_r,   v_r ← β₂ v_r + (1 − β₂) g_r²,   w_r ← w_r − α m_r / (√v_r + ε)
    for each row r in the batch, α = η √(1 − β₂ᵗ) / (1 − β₁ᵗ);   rows not in the batch keep w, m and v.

  A row's moments therefore pause while it is absent instead of decaying, which for rarely seen rows is the
  difference from Adam. Dense gradients (the layers of an MLP) get exactly Keras' Adam.

>>> layer = Embedding(num_users, 32)                            # a drop-in for keras.layers.Embedding  # doctest: +SKIP
>>> TrainConfig(optimizer="lazy_adam").make_optimizer()        # LazyAdam                               # doctest: +SKIP
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="recsys_lab")
class Embedding(keras.layers.Embedding):
    """`keras.layers.Embedding` that reads only the looked-up rows of its table (plain float tables only)."""

    def call(self, inputs):
        import tensorflow as tf

        if self.lora_enabled or self.quantization_mode is not None or keras.backend.backend() != "tensorflow":
            return super().call(inputs)
        ids = inputs if inputs.dtype in (tf.int32, tf.int64) else tf.cast(inputs, tf.int32)
        rows = tf.gather(self._embeddings.value, ids)  # a gather on the variable: no copy of the table
        return ops.cast(rows, self.compute_dtype)


def _rows(variable, rows):
    """`variable[rows]`, gathered from the variable itself (reading it whole would copy the table)."""
    import tensorflow as tf

    return tf.gather(getattr(variable, "value", variable), rows)


@keras.saving.register_keras_serializable(package="recsys_lab")
class LazyAdam(keras.optimizers.Adam):
    """`keras.optimizers.Adam` whose update of a sparse gradient touches only the rows it names."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.amsgrad:
            raise ValueError("LazyAdam does not implement amsgrad; use keras.optimizers.Adam(amsgrad=True)")

    def update_step(self, gradient, variable, learning_rate):
        import tensorflow as tf

        if not isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        step = ops.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = ops.cast(self.beta_1, dtype), ops.cast(self.beta_2, dtype)
        alpha = ops.cast(learning_rate, dtype) * ops.sqrt(1 - beta_2**step) / (1 - beta_1**step)
        # A row can appear several times in a batch: sum its gradients first, as a dense gradient would.
        rows, position = tf.unique(gradient.indices)
        grad = tf.math.unsorted_segment_sum(ops.cast(gradient.values, dtype), position, ops.shape(rows)[0])
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        m_rows = beta_1 * _rows(m, rows) + (1 - beta_1) * grad
        v_rows = beta_2 * _rows(v, rows) + (1 - beta_2) * grad * grad
        self.assign(m, tf.IndexedSlices(m_rows, rows))  # scatter: only these rows change
        self.assign(v, tf.IndexedSlices(v_rows, rows))
        self.assign_sub(variable, tf.IndexedSlices(alpha * m_rows / (ops.sqrt(v_rows) + self.epsilon), rows))
