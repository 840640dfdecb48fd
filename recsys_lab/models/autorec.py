"""AutoRec (Sedhain et al. 2015): an autoencoder that reconstructs rating vectors, trained on observed entries only.

Each training example is one row of the rating matrix: an item's ratings by all users (I-AutoRec, the
better variant) or a user's ratings of all items (U-AutoRec). With x the row (0 where unrated) and m its mask
(1 where a rating was observed, whatever its value, 0 included):

    h = f(W x + b)            the code: a compact summary of the row (`encode`)
    x̂ = g(V h + c)            the reconstruction: a predicted rating for *every* entry
    L = Σ m ⊙ (x − x̂)² / Σ m  + l2 (‖W‖² + ‖V‖²)

The mask is the lesson: without it, the ~94 % empty entries (stored as 0) dominate the loss and the network
learns to predict 0 for anything unrated. Batches are dense rows cut from a sparse matrix, so memory grows
with the batch, not with users × items.

>>> model = AutoRec("item", hidden_units=500).fit(train, config=TrainConfig(epochs=30))   # doctest: +SKIP
>>> model.predict([1, 2], [50, 172])                                                       # doctest: +SKIP
"""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import scipy.sparse as sp
from keras import ops

from recsys_lab.methods.baselines import BiasBaseline
from recsys_lab.models.base import (
    KerasRecommender,
    StatefulNetwork,
    TrainConfig,
    checked_validation,
    sparse_row_batches,
)

TRAIN = TrainConfig(epochs=25, batch_size=256, learning_rate=3e-3)  # AutoRec's default training settings


@keras.saving.register_keras_serializable(package="recsys_lab")
def masked_mse(y_true, y_pred):
    """Mean squared error over the observed entries of each batch; unrated entries (NaN in `y_true`) add nothing.

    The mask comes from what was observed, not from the value: on a scale that contains 0, a rating of 0 is a
    rating. (The network's *input* still holds 0 where nothing was rated: a layer cannot take NaN.)
    """
    y_true = ops.cast(y_true, y_pred.dtype)
    observed = ops.logical_not(ops.isnan(y_true))
    mask = ops.cast(observed, y_pred.dtype)
    error = ops.where(observed, y_true, y_pred) - y_pred  # 0 where unrated, and no NaN anywhere
    return ops.sum(mask * ops.square(error)) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package="recsys_lab")
class AutoRecNetwork(StatefulNetwork):
    """x → h = f(Wx + b) → x̂ = g(Vh + c), with dropout on the code and L2 on both weight matrices."""

    def __init__(
        self,
        num_inputs,
        hidden_units=500,
        activation="sigmoid",
        output_activation="linear",
        l2=1e-3,
        dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.config_ = dict(
            num_inputs=num_inputs,
            hidden_units=hidden_units,
            activation=activation,
            output_activation=output_activation,
            l2=l2,
            dropout=dropout,
            seed=seed,
        )
        reg = keras.regularizers.L2(l2) if l2 else None
        self.encoder = keras.layers.Dense(hidden_units, activation=activation, kernel_regularizer=reg)
        self.dropout = keras.layers.Dropout(dropout, seed=seed)
        self.decoder = keras.layers.Dense(num_inputs, activation=output_activation, kernel_regularizer=reg)

    def call(self, x, training=False):
        return self.decoder(self.dropout(self.encoder(x), training=training))  # (batch, num_inputs)

    def get_config(self):
        return {**super().get_config(), **self.config_}


class AutoRec(KerasRecommender):
    """I-AutoRec (`kind="item"`, rows are items) or U-AutoRec (`kind="user"`, rows are users).

    Pairs whose user or item was not in training fall back to a user+item bias model. `masked=False` trains
    with the article's plain MSE over every entry; `loss` trains with any Keras loss `(y_true, y_pred)` of your
    own instead, such as chapter 02's weighted loss. Its `y_true` holds rows of ratings with NaN where nothing
    was rated, as `masked_mse`'s does; `y_pred` has no NaN.
    """

    def __init__(
        self,
        kind: str = "item",
        hidden_units: int = 500,
        activation: str = "sigmoid",
        l2: float = 1e-3,
        dropout: float = 0.0,
        masked: bool = True,
        config: TrainConfig | None = None,
        loss=None,
    ):
        if kind not in ("item", "user"):
            raise ValueError(f"kind must be 'item' (I-AutoRec) or 'user' (U-AutoRec); got {kind!r}")
        if loss is not None and not callable(loss):
            raise ValueError(
                f"loss must be a function (y_true, y_pred) -> loss, as masked_mse is; got {loss!r}"
            )
        self.kind, self.hidden_units, self.activation = kind, hidden_units, activation
        self.l2, self.dropout, self.masked, self.loss = l2, dropout, masked, loss
        self.config = config or TRAIN
        suffix = " (custom loss)" if loss is not None else "" if masked else " (unmasked loss)"
        self.name = f"{'I' if kind == 'item' else 'U'}-AutoRec{suffix}"

    def fit(
        self, train, *, rating_scale=None, config: TrainConfig | None = None, validation=None, callbacks=()
    ) -> AutoRec:
        """Fit on a ratings table.

        Args:
            train: ratings (`user_id, item_id, rating`).
            rating_scale: clip predictions to it (default: the training ratings' range).
            config: training settings; default: the one given to the constructor.
            validation: a ratings table scored after every epoch, logged as `val_rmse` in `self.history`.
            callbacks: extra Keras callbacks (e.g. a live training curve).
        """
        validation = checked_validation(validation, rating_scale)  # before anything changes
        self.config = config or self.config
        self._validation, self._callbacks = validation, list(callbacks)
        return super().fit(train, rating_scale=rating_scale)

    def _fit(self, user_index, item_index, rating) -> None:
        shape = (self.num_users, self.num_items)
        ratings = sp.csr_matrix((rating.astype(np.float32), (user_index, item_index)), shape=shape)
        self.rows = (ratings.T if self.kind == "item" else ratings).tocsr()  # one training example per row
        self.fallback = BiasBaseline()  # for pairs the network cannot score: unseen users or items
        self.fallback.fit_biases(
            user_index,
            item_index,
            rating,
            global_mean=self.global_mean,
            num_users=self.num_users,
            num_items=self.num_items,
        )
        keras.utils.set_random_seed(self.config.seed)
        self.network = AutoRecNetwork(
            self.rows.shape[1],
            self.hidden_units,
            self.activation,
            l2=self.l2,
            dropout=self.dropout,
            seed=self.config.seed,
        )
        # The target marks unrated entries with NaN, so the mask comes from observation (a rating of 0 counts);
        # the plain "mse" of the unmasked variant needs them as 0, the article's way.
        masked = self.masked or self.loss is not None
        self._train(
            sparse_row_batches(
                self.rows, self.config.batch_size, self.config.seed, unrated_target=np.nan if masked else 0.0
            ),
            loss=self.loss or (masked_mse if self.masked else "mse"),
            shuffle=False,  # the pipeline shuffles, seeded
        )

    def _batched(self, layer, rows, batch_size: int) -> np.ndarray:
        """`layer` applied to sparse `rows`, densified `batch_size` rows at a time."""
        return np.vstack(
            [
                ops.convert_to_numpy(layer(rows[s : s + batch_size].toarray()))
                for s in range(0, rows.shape[0], batch_size)
            ]
        )

    def reconstruct(self, rows: sp.csr_matrix | np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """x̂ for rating rows (items × users for I-AutoRec, users × items for U-AutoRec), batch by batch."""
        rows = sp.csr_matrix(rows)
        if rows.shape[1] != self.rows.shape[1]:
            raise ValueError(
                f"each row must have {self.rows.shape[1]} entries (one per "
                f"{'user' if self.kind == 'item' else 'item'} in training); got {rows.shape[1]}"
            )
        return self._batched(self.network, rows, batch_size)

    def encode(self, rows: sp.csr_matrix | np.ndarray | None = None, batch_size: int = 1024) -> np.ndarray:
        """The hidden code h of each row: the item's (I-AutoRec) or user's (U-AutoRec) interest vector.

        With no argument, the codes of all training rows, shape `(num_items or num_users, hidden_units)`.
        """
        rows = self.rows if rows is None else sp.csr_matrix(rows)
        return self._batched(self.network.encoder, rows, batch_size)

    def clear_cache(self) -> None:
        """Forget cached predictions (the network changed)."""
        self._reconstruction = None

    def _full_reconstruction(self) -> np.ndarray:
        if getattr(self, "_reconstruction", None) is None:  # computed once: rows × columns floats
            self._reconstruction = self.reconstruct(self.rows)
        return self._reconstruction

    def _predict(self, user_index, item_index) -> np.ndarray:
        known = (user_index >= 0) & (item_index >= 0)
        out = self.fallback.predict_biases(user_index, item_index)
        rec = self._full_reconstruction()
        u, i = user_index[known], item_index[known]
        out[known] = rec[i, u] if self.kind == "item" else rec[u, i]
        return out

    def score_items(self, user_index) -> np.ndarray:
        rec = self._full_reconstruction()
        user_index = np.asarray(user_index, dtype=np.int64)
        return rec[:, user_index].T if self.kind == "item" else rec[user_index]

    def fold_in(self, item_ids, ratings, k: int = 10) -> pd.DataFrame:
        """Recommend for a user who was not in training, from a handful of their ratings, without retraining.

        Only U-AutoRec can: the new user's ratings form one input row, which is encoded and decoded. In
        I-AutoRec every user is an input *coordinate* of every item's row; a new user would need a new input
        unit, i.e. retraining (what I-AutoRec can fold in without retraining is a new *item*, from the
        ratings existing users gave it: `reconstruct` on that row).
        """
        if self.kind != "user":
            raise ValueError(
                "fold_in needs U-AutoRec (kind='user'): I-AutoRec has one input per training user, "
                "so a new user cannot be added without retraining"
            )
        item_ids, ratings = np.asarray(item_ids), np.asarray(ratings, dtype=np.float32)
        if item_ids.shape != ratings.shape or item_ids.ndim != 1 or len(item_ids) == 0:
            raise ValueError("give one rating per item id, at least one (two 1-D arrays of the same length)")
        low, high = self.rating_scale
        if np.isnan(ratings).any() or (ratings < low).any() or (ratings > high).any():
            raise ValueError(f"ratings must be numbers on the scale [{low:g}, {high:g}]")
        columns = self.item_encoder.transform(item_ids)  # unknown item ids raise a clear ValueError
        row = sp.csr_matrix((ratings, (np.zeros(len(columns), int), columns)), shape=(1, self.num_items))
        scores = self.reconstruct(row)[0]
        scores[columns] = -np.inf  # never recommend what the user just rated
        top = np.argsort(-scores, kind="stable")[:k]
        return pd.DataFrame(
            {
                "rank": np.arange(1, len(top) + 1),
                "item_id": self.item_encoder.inverse(top),
                "score": np.clip(scores[top], *self.rating_scale),
            }
        )

    def _state(self) -> dict[str, np.ndarray]:
        fallback = {f"bias_{n}": getattr(self.fallback, n) for n in ("user_bias", "item_bias")}
        return {
            **super()._state(),
            **fallback,
            "kind": np.array(self.kind),
            "masked": np.array(self.masked),
            "name": np.array(self.name),  # says "(custom loss)" for a model trained with one
            "rows_data": self.rows.data,
            "rows_indices": self.rows.indices,
            "rows_indptr": self.rows.indptr,
        }

    def _restore(self, state) -> None:
        super()._restore(state)
        config = self.network.get_config()
        self.__init__(
            str(state["kind"]),
            config["hidden_units"],
            config["activation"],
            config["l2"],
            config["dropout"],
            bool(state["masked"]),
        )
        self.name = str(state["name"]) if "name" in state else self.name
        shape = (self.num_items, self.num_users) if self.kind == "item" else (self.num_users, self.num_items)
        self.rows = sp.csr_matrix(
            (state["rows_data"], state["rows_indices"], state["rows_indptr"]), shape=shape
        )
        self.fallback = BiasBaseline()
        self.fallback.global_mean, self.fallback.user_bias = self.global_mean, state["bias_user_bias"]
        self.fallback.item_bias = state["bias_item_bias"]
        self.clear_cache()
