"""A regression recommender: an MLP reads who the user is and what the item is, and predicts the rating (§3.4).

    x = [p_u ‖ q_i ‖ user features ‖ item features]      h1 = f1(x),  h2 = f2(h1),  ŷ = μ + f3(h2)

p_u, q_i are learned id embeddings; the features are age, gender, occupation and genres, year
(`recsys_lab.data.features`); f1, f2 are Dense + ReLU (+ dropout), f3 is Dense(1). Training minimises
L = 1/(2N) Σ (y − ŷ)² (Keras' "mse" is twice that; the factor does not move the minimum) plus
l2 · mean(‖p_u‖² + ‖q_i‖²) over the rows each batch touches.

Cold start: row `num_users` of the user table (and `num_items` of the item table) is "someone we have not
seen". With `id_dropout`, training swaps that many ids for it at random, so the row learns to stand for an
unknown user and the MLP learns to lean on the features: a new user is then scored from demographics alone.

>>> model = MLPRegression(hidden_units=(64, 32)).fit(train, users=ds.users, items=ds.items)   # doctest: +SKIP
>>> model.predict([1, 944], [50, 50])     # user 944 has no ratings: scored from its demographics   # doctest: +SKIP
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from recsys_lab.data.dataset import check_ratings
from recsys_lab.data.features import item_features, user_features
from recsys_lab.data.ids import IdEncoder
from recsys_lab.models.base import KerasRecommender, StatefulNetwork, TrainConfig, checked_validation
from recsys_lab.models.sparse import Embedding

TRAIN = TrainConfig(epochs=8, batch_size=1024, learning_rate=2e-3, steps_per_execution=8)  # fit's default
PARTS = ("ids", "features", "names")  # of a side table, as kept in `MLPRegression.side` and saved


@keras.saving.register_keras_serializable(package="recsys_lab")
class RegressionNetwork(StatefulNetwork):
    """([pairs (batch, 2), user features (batch, F_u), item features (batch, F_i)]) → ŷ, shape (batch,)."""

    def __init__(self, num_users, num_items, embedding_dim=32, hidden_units=(64, 32), dropout=0.0, l2=0.0,
                 id_dropout=0.0, global_mean=0.0, seed=None, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.config_ = dict(num_users=num_users, num_items=num_items, embedding_dim=embedding_dim,
                            hidden_units=list(hidden_units), dropout=dropout, l2=l2, id_dropout=id_dropout,
                            global_mean=global_mean, seed=seed)  # fmt: skip
        init = keras.initializers.RandomNormal(stddev=0.05, seed=seed)
        self.user_embedding = Embedding(num_users + 1, embedding_dim, embeddings_initializer=init)
        self.item_embedding = Embedding(num_items + 1, embedding_dim, embeddings_initializer=init)
        seeds = [None if seed is None else seed + j for j in range(len(hidden_units) + 1)]
        self.hidden = [keras.layers.Dense(n, "relu", kernel_initializer=keras.initializers.HeNormal(s))
                       for n, s in zip(hidden_units, seeds, strict=False)]  # fmt: skip
        self.drop = keras.layers.Dropout(dropout, seed=seed) if dropout else None
        self.out = keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seeds[-1]))
        self.id_noise = keras.random.SeedGenerator(seed)
        self.unknown = ops.array([num_users, num_items], "int32")  # the "not seen in training" rows

    def call(self, inputs, training=False):
        pairs, user_x, item_x = inputs
        pairs = ops.cast(pairs, "int32")
        pairs = ops.where(pairs < 0, self.unknown, pairs)  # -1 (unseen in training) → the unknown row
        if training and self.config_["id_dropout"]:  # forget some ids, so the unknown rows learn
            forget = keras.random.uniform(ops.shape(pairs), seed=self.id_noise) < self.config_["id_dropout"]
            pairs = ops.where(forget, self.unknown, pairs)
        p = ops.cast(self.user_embedding(pairs[:, 0]), "float32")  # (batch, d); float32 under mixed precision
        q = ops.cast(self.item_embedding(pairs[:, 1]), "float32")  # (batch, d)
        self.add_loss(self.config_["l2"] * ops.mean(ops.sum(p * p, axis=1) + ops.sum(q * q, axis=1)))
        h = ops.concatenate([p, q, ops.cast(user_x, "float32"), ops.cast(item_x, "float32")], axis=1)  # x
        for dense in self.hidden:  # h1 = f1(x), h2 = f2(h1)
            h = self.drop(dense(h), training=training) if self.drop else dense(h)
        return self.config_["global_mean"] + ops.cast(
            self.out(h)[:, 0], "float32"
        )  # ŷ = μ + f3(h2), (batch,)

    def get_config(self):
        return {**super().get_config(), **self.config_}


class MLPRegression(KerasRecommender):
    """The MLP regression recommender; `fit(train, users=..., items=...)` adds side features (None: ids only)."""

    name = "MLP regression"

    def __init__(self, embedding_dim=32, hidden_units=(64, 32), dropout=0.0, l2=0.0, id_dropout=0.0):
        if embedding_dim < 1 or not hidden_units or min(hidden_units) < 1:
            raise ValueError(f"need embedding_dim >= 1 and hidden_units like (64, 32); got {embedding_dim}, "
                             f"{hidden_units}")  # fmt: skip
        if not (0 <= dropout < 1 and 0 <= id_dropout < 1 and l2 >= 0):
            raise ValueError(f"need 0 <= dropout, id_dropout < 1 and l2 >= 0; got {dropout}, {id_dropout}, "
                             f"{l2}")  # fmt: skip
        self.embedding_dim, self.hidden_units = embedding_dim, tuple(int(n) for n in hidden_units)
        self.dropout, self.l2, self.id_dropout = dropout, l2, id_dropout

    def fit(self, train, *, users=None, items=None, rating_scale=None, config: TrainConfig = TRAIN,
            validation=None, callbacks=()) -> MLPRegression:  # fmt: skip
        """Fit on ratings; `users`/`items`: the Dataset's side tables, which may hold ids that have no ratings.

        A feature no id of the training ratings has (an occupation only new users have) is set to 0: the
        network never learned a weight for it.
        """
        validation = checked_validation(validation, rating_scale)  # before anything changes
        self.config, self._validation, self._callbacks = config, validation, list(callbacks)
        train = check_ratings(train, rating_scale=rating_scale, what="train")
        self.side = {}  # "user"/"item" → (ids, features (n, F), F names) for every id of the side table
        for kind, table, encode in (("user", users, user_features), ("item", items, item_features)):
            has_ids = table is not None and f"{kind}_id" in table
            ids = table[f"{kind}_id"].to_numpy() if has_ids else np.zeros(0, np.int64)
            x, names = encode(table, ids)  # a table without the id column: a clear error here
            used = (x[np.isin(ids, train[f"{kind}_id"])] != 0).any(
                axis=0
            )  # by some id in the training ratings
            self.side[kind] = (ids, np.where(used, x, 0.0).astype(np.float32), names)  # unseen category → 0
        return super().fit(train, rating_scale=rating_scale)

    def features(self, kind: str, ids) -> np.ndarray:
        """Side features of raw `ids` ("user" or "item"): `(len(ids), F)`; ids missing from the table get zeros."""
        table_ids, table, _ = self.side[kind]
        if table.shape[1] == 0:
            return np.zeros((len(ids), 0), np.float32)
        row = IdEncoder(table_ids, f"{kind}_id").transform(ids, unknown="ignore")  # -1: not in the table
        return np.where((row >= 0)[:, None], table[np.maximum(row, 0)], 0.0).astype(np.float32)

    def _fit(self, user_index, item_index, rating) -> None:
        keras.utils.set_random_seed(self.config.seed)
        self.network = RegressionNetwork(self.num_users, self.num_items, self.embedding_dim, self.hidden_units,
                                         self.dropout, self.l2, self.id_dropout, self.global_mean,
                                         seed=self.config.seed)  # fmt: skip
        user_id, item_id = self.user_encoder.inverse(user_index), self.item_encoder.inverse(item_index)
        x = self._inputs(user_index, item_index, user_id, item_id)
        self._train(x, rating.astype(np.float32), loss="mse", batch_size=self.config.batch_size, shuffle=True)

    def _inputs(self, user_index, item_index, user_id, item_id) -> list[np.ndarray]:
        pairs = np.stack([user_index, item_index], axis=1).astype(np.int32)  # (n, 2), -1 = unseen in training
        return [pairs, self.features("user", user_id), self.features("item", item_id)]

    def _predict_ids(self, user_index, item_index, user_id, item_id) -> np.ndarray:
        step, ids = 8192, [np.asarray(a) for a in (user_index, item_index, user_id, item_id)]
        chunks = [ops.convert_to_numpy(self.network(self._inputs(*(a[s : s + step] for a in ids))))
                  for s in range(0, len(ids[0]), step)]  # features built per chunk: memory stays flat  # fmt: skip
        return np.concatenate(chunks or [np.zeros(0)]).astype(np.float64)

    def _predict(self, user_index, item_index) -> np.ndarray:  # dense indices only: -1 gets no features
        user_id = np.where(user_index >= 0, self.user_encoder.inverse(np.maximum(user_index, 0)), -1)
        item_id = np.where(item_index >= 0, self.item_encoder.inverse(np.maximum(item_index, 0)), -1)
        return self._predict_ids(user_index, item_index, user_id, item_id)

    def _state(self) -> dict[str, np.ndarray]:
        state = super()._state()
        for kind, parts in self.side.items():
            state |= {f"{kind}_side_{part}": np.asarray(v) for part, v in zip(PARTS, parts, strict=True)}
        return state

    def _restore(self, state) -> None:
        super()._restore(state)
        c = self.network.get_config()
        self.__init__(c["embedding_dim"], c["hidden_units"], c["dropout"], c["l2"], c["id_dropout"])
        self.side = {k: tuple(state[f"{k}_side_{part}"] for part in PARTS) for k in ("user", "item")}
        self.side = {k: (ids, x, [str(n) for n in names]) for k, (ids, x, names) in self.side.items()}

    def __repr__(self) -> str:
        return (f"MLPRegression(embedding_dim={self.embedding_dim}, hidden_units={self.hidden_units}, "
                f"dropout={self.dropout}, l2={self.l2}, id_dropout={self.id_dropout})")  # fmt: skip
