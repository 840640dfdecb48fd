"""Biased matrix factorisation: a rating is a sum of biases plus an inner product in one learned space (§3.3).

    r̂(u, i) = μ + b_u + b_i + ⟨p_u, q_i⟩,        p_u, q_i ∈ R^d,   ⟨p, q⟩ = Σ_k p_k q_k = pᵀq

p_u and q_i are rows of two tables learned *together*, from the same ratings, through the same loss: that is
why their inner product means something (the article dots vectors from two unrelated models). Training
minimises, over batches of training ratings,

    mean (r_ui − r̂_ui)² + l2 · mean (‖p_u‖² + ‖q_i‖² + b_u² + b_i²)

with the penalty taken on the rows each rating touches, as in Funk's SVD (Koren, Bell & Volinsky 2009).
μ is the training mean, fixed. A user or item unseen in training falls back to μ + the known bias.

>>> mf = BiasedMF(embedding_dim=32, l2=0.1).fit(train, config=TrainConfig(epochs=20))   # doctest: +SKIP
>>> mf.predict([1, 2], [50, 172]); mf.item_embeddings.shape          # (num_items, 32)   # doctest: +SKIP
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from recsys_lab.methods.retrieval import pair_scores
from recsys_lab.models.base import KerasRecommender, StatefulNetwork, TrainConfig, checked_validation
from recsys_lab.models.sparse import Embedding

TRAIN = TrainConfig(epochs=20, batch_size=1024, learning_rate=2e-3)  # BiasedMF.fit's default


@keras.saving.register_keras_serializable(package="recsys_lab")
class MFNetwork(StatefulNetwork):
    """(user_index, item_index) pairs, shape (batch, 2) → μ + b_u + b_i + ⟨p_u, q_i⟩, shape (batch,)."""

    def __init__(self, num_users, num_items, embedding_dim=32, l2=0.1, global_mean=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.config_ = dict(num_users=num_users, num_items=num_items, embedding_dim=embedding_dim, l2=l2,
                            global_mean=global_mean, seed=seed)  # fmt: skip
        self.l2, self.global_mean = l2, global_mean
        init = keras.initializers.RandomNormal(stddev=0.05, seed=seed)
        self.user_embedding = Embedding(num_users, embedding_dim, embeddings_initializer=init)
        self.item_embedding = Embedding(num_items, embedding_dim, embeddings_initializer=init)
        self.user_bias = Embedding(num_users, 1, embeddings_initializer="zeros")
        self.item_bias = Embedding(num_items, 1, embeddings_initializer="zeros")

    def call(self, pairs):
        u, i = pairs[:, 0], pairs[:, 1]  # (batch,) each
        f32 = lambda x: ops.cast(x, "float32")  # noqa: E731 -- float32 sums even under mixed precision
        p, q = f32(self.user_embedding(u)), f32(self.item_embedding(i))  # (batch, d) each
        b_u, b_i = f32(self.user_bias(u)[:, 0]), f32(self.item_bias(i)[:, 0])  # (batch,) each
        penalty = ops.sum(p * p, axis=1) + ops.sum(q * q, axis=1) + b_u * b_u + b_i * b_i
        self.add_loss(self.l2 * ops.mean(penalty))
        return self.global_mean + b_u + b_i + ops.sum(p * q, axis=1)  # (batch,)

    def get_config(self):
        return {**super().get_config(), **self.config_}


class BiasedMF(KerasRecommender):
    """Biased MF trained on explicit ratings with MSE; `user_embeddings`/`item_embeddings` hold p_u and q_i."""

    name = "biased MF"

    def __init__(self, embedding_dim: int = 32, l2: float = 0.1):
        if embedding_dim < 1 or l2 < 0:
            raise ValueError(f"need embedding_dim >= 1 and l2 >= 0; got {embedding_dim} and {l2}")
        self.embedding_dim, self.l2 = embedding_dim, l2

    def fit(self, train, *, rating_scale=None, config: TrainConfig = TRAIN, validation=None,
            callbacks=()) -> BiasedMF:  # fmt: skip
        """Fit on a ratings table; `validation` (a ratings table) logs `val_rmse` per epoch in `self.history`."""
        validation = checked_validation(validation, rating_scale)  # before anything changes
        self.config, self._validation, self._callbacks = config, validation, list(callbacks)
        return super().fit(train, rating_scale=rating_scale)

    def _fit(self, user_index, item_index, rating) -> None:
        keras.utils.set_random_seed(self.config.seed)
        self.network = MFNetwork(self.num_users, self.num_items, self.embedding_dim, self.l2, self.global_mean,
                                 seed=self.config.seed)  # fmt: skip
        pairs = np.stack([user_index, item_index], axis=1)  # (num_ratings, 2)
        self._train(pairs, rating.astype(np.float32), loss="mse", batch_size=self.config.batch_size)

    @property
    def user_embeddings(self) -> np.ndarray:
        """p_u for every training user, `(num_users, embedding_dim)`, rows in `user_encoder` order."""
        return self.network.user_embedding.embeddings.numpy()

    @property
    def item_embeddings(self) -> np.ndarray:
        """q_i for every training item, `(num_items, embedding_dim)`, rows in `item_encoder` order."""
        return self.network.item_embedding.embeddings.numpy()

    @property
    def user_bias(self) -> np.ndarray:
        """b_u, `(num_users,)`."""
        return self.network.user_bias.embeddings.numpy()[:, 0]

    @property
    def item_bias(self) -> np.ndarray:
        """b_i, `(num_items,)`."""
        return self.network.item_bias.embeddings.numpy()[:, 0]

    def _predict(self, user_index, item_index) -> np.ndarray:
        u_ok, i_ok = user_index >= 0, item_index >= 0  # -1 = unseen in training: no bias, no dot term
        u, i = np.where(u_ok, user_index, 0), np.where(i_ok, item_index, 0)
        dot = pair_scores(self.user_embeddings, self.item_embeddings, u, i)  # <p_u, q_i> per pair, (n,)
        b_u, b_i = np.where(u_ok, self.user_bias[u], 0.0), np.where(i_ok, self.item_bias[i], 0.0)
        return self.global_mean + b_u + b_i + np.where(u_ok & i_ok, dot, 0.0)

    def score_items(self, user_index) -> np.ndarray:
        """All items for each user in one matrix product: `(len(user_index), num_items)`."""
        u = np.asarray(user_index, dtype=np.int64)
        dots = self.user_embeddings[u] @ self.item_embeddings.T  # (users, d) @ (d, num_items)
        return self.global_mean + self.user_bias[u, None] + self.item_bias[None, :] + dots

    def _restore(self, state) -> None:
        super()._restore(state)
        config = self.network.get_config()
        self.__init__(config["embedding_dim"], config["l2"])

    def __repr__(self) -> str:
        return f"BiasedMF(embedding_dim={self.embedding_dim}, l2={self.l2})"
