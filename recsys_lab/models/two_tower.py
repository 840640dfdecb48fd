"""Two-tower retrieval: two networks map users and items into one space, where relevance is the inner product.

    u = f(user_id, age, gender, occupation)      i = g(item_id, genres, year)      s(u, i) = ⟨u, i⟩

Each tower is [id embedding ‖ Dense(side features)] → Dense(output_dim); a side table the dataset lacks
(ml-latest-small has no users) is left out (`recsys_lab.data.features` builds the tables). Implicit feedback:
every rating is a positive, "this user chose to watch this movie", the relevance `evaluate_ranking` scores
by default (`positive_threshold=4` keeps only liked movies). Loss: in-batch sampled softmax; for a batch of
B positive pairs the other B − 1 items are the negatives:

    logit_bc = ⟨u_b, i_c⟩ − log q(i_c)          L = −mean_b log softmax_c(logit_b)[b]

q(i) is item i's share of the positives: popular items turn up as negatives more often, and subtracting
log q (Yi et al. 2019) stops the model from pushing them down for that alone. An item that repeats the
row's positive elsewhere in the batch is masked out.

>>> tt = TwoTower().fit(split.train, users=ds.users, items=ds.items)     # doctest: +SKIP
>>> tt.recommend(user_id=1, k=10); tt.item_vectors.shape          # (num_items, output_dim)   # doctest: +SKIP
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from recsys_lab.data.features import item_features, user_features
from recsys_lab.methods.retrieval import pair_scores
from recsys_lab.models.base import KerasRecommender, StatefulNetwork, TrainConfig
from recsys_lab.models.sparse import Embedding

TRAIN = TrainConfig(epochs=14, batch_size=1024, learning_rate=1e-3)  # TwoTower.fit's default


@keras.saving.register_keras_serializable(package="recsys_lab")
class Tower(keras.layers.Layer):
    """index (batch,) → [embedding(index) ‖ Dense(features[index])] → Dense(output_dim): (batch, output_dim)."""

    def __init__(self, num_rows, num_features, embedding_dim=32, output_dim=32, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.config_ = dict(num_rows=num_rows, num_features=num_features, embedding_dim=embedding_dim,
                            output_dim=output_dim, seed=seed)  # fmt: skip
        init = keras.initializers.RandomNormal(stddev=0.05, seed=seed)
        self.embedding = Embedding(num_rows, embedding_dim, embeddings_initializer=init)
        # side features, one row per id: a constant of the model, saved with it
        self.features = self.add_weight((num_rows, num_features), "zeros", trainable=False, name="features")
        self.feature_layer = keras.layers.Dense(embedding_dim, activation="relu") if num_features else None
        glorot = keras.initializers.GlorotUniform(seed)
        self.output_layer = keras.layers.Dense(output_dim, kernel_initializer=glorot)

    def build(self, input_shape=None):  # explicit, so that a loaded model has every variable
        self.embedding.build()
        if self.feature_layer is not None:
            self.feature_layer.build((None, self.features.shape[1]))
        self.output_layer.build((None, self.embedding.output_dim * (1 + (self.feature_layer is not None))))

    def call(self, index):
        x = self.embedding(index)  # (batch, embedding_dim)
        if self.feature_layer is not None:
            features = ops.take(self.features, index, axis=0)  # (batch, num_features)
            x = ops.concatenate([x, self.feature_layer(features)], axis=1)  # (batch, 2 * embedding_dim)
        return self.output_layer(x)  # (batch, output_dim)

    def get_config(self):
        return {**super().get_config(), **self.config_}


@keras.saving.register_keras_serializable(package="recsys_lab")
class TwoTowerNetwork(StatefulNetwork):
    """Pairs (batch, 2) → in-batch scores (batch, batch); `compute_loss` is the corrected sampled softmax."""

    def __init__(self, user_shape, item_shape, embedding_dim=32, output_dim=32, seed=None, **kwargs):
        super().__init__(**kwargs)  # user_shape = (num_users, num_user_features); item_shape likewise
        self.config_ = dict(user_shape=user_shape, item_shape=item_shape, embedding_dim=embedding_dim,
                            output_dim=output_dim, seed=seed)  # fmt: skip
        seeds = (None, None) if seed is None else (seed, seed + 1)
        self.user_tower = Tower(*user_shape, embedding_dim, output_dim, seeds[0], name="user_tower")
        self.item_tower = Tower(*item_shape, embedding_dim, output_dim, seeds[1], name="item_tower")
        self.log_q = self.add_weight((item_shape[0],), "zeros", trainable=False, name="log_q")

    def build(self, input_shape=None):  # explicit, so that a loaded model has every variable
        self.user_tower.build()
        self.item_tower.build()

    def call(self, pairs):
        u, i = self.user_tower(pairs[:, 0]), self.item_tower(pairs[:, 1])  # (batch, output_dim) each
        return ops.matmul(u, ops.transpose(i))  # (batch, batch): user b against every item of the batch

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        items, size = x[:, 1], ops.shape(x)[0]
        logits = ops.cast(y_pred, "float32") - ops.take(self.log_q, items)[None, :]  # logQ correction
        repeats = ops.equal(items[:, None], items[None, :]) & ~ops.eye(size, dtype="bool")
        # the row's own positive, elsewhere in the batch, is no negative
        logits = ops.where(repeats, -1e9, logits)
        loss = keras.losses.sparse_categorical_crossentropy(ops.arange(size), logits, from_logits=True)
        return ops.mean(loss)

    def get_config(self):
        return {**super().get_config(), **self.config_}


class TwoTower(KerasRecommender):
    """Two-tower retrieval model; scores are inner products of `user_vectors` and `item_vectors`."""

    name = "two-tower"
    predicts_ratings = False  # a ranking model: evaluation tables leave its RMSE empty
    score_name = "score (inner product)"

    def __init__(self, embedding_dim: int = 32, output_dim: int = 32, positive_threshold=None):
        if embedding_dim < 1 or output_dim < 1:
            raise ValueError(f"embedding_dim and output_dim must be >= 1; got {embedding_dim}, {output_dim}")
        self.embedding_dim, self.output_dim = embedding_dim, output_dim
        self.positive_threshold = positive_threshold  # None: every rating is a positive

    def fit(self, train, *, users=None, items=None, rating_scale=None, config: TrainConfig = TRAIN,
            callbacks=()) -> TwoTower:  # fmt: skip
        """Fit on a ratings table; `users`/`items` are the Dataset's side tables (None: ids only)."""
        self.config, self._side, self._callbacks = config, (users, items), list(callbacks)
        return super().fit(train, rating_scale=rating_scale)

    def _fit(self, user_index, item_index, rating) -> None:
        positive = rating >= (self.positive_threshold if self.positive_threshold is not None else -np.inf)
        if not positive.any():
            raise ValueError(f"no training rating reaches positive_threshold={self.positive_threshold}")
        u_features, self.user_feature_names = user_features(self._side[0], self.user_encoder.ids)
        i_features, self.item_feature_names = item_features(self._side[1], self.item_encoder.ids)
        keras.utils.set_random_seed(self.config.seed)
        self.network = TwoTowerNetwork(u_features.shape, i_features.shape, self.embedding_dim, self.output_dim,
                                       seed=self.config.seed)  # fmt: skip
        self.network.user_tower.features.assign(u_features)
        self.network.item_tower.features.assign(i_features)
        counts = np.bincount(item_index[positive], minlength=self.num_items) + 1.0  # +1: no log(0)
        self.network.log_q.assign(np.log(counts / counts.sum()).astype(np.float32))
        pairs = np.stack([user_index[positive], item_index[positive]], axis=1)  # (num_positives, 2)
        self._train(pairs, batch_size=self.config.batch_size)  # the loss is the network's compute_loss

    def clear_cache(self) -> None:
        self._vectors = None

    def _tower_outputs(self) -> tuple[np.ndarray, np.ndarray]:
        if getattr(self, "_vectors", None) is None:  # computed once per fitted model
            user_tower, item_tower = self.network.user_tower, self.network.item_tower
            self._vectors = (ops.convert_to_numpy(user_tower(np.arange(self.num_users))),
                             ops.convert_to_numpy(item_tower(np.arange(self.num_items))))  # fmt: skip
        return self._vectors

    @property
    def user_vectors(self) -> np.ndarray:
        """f(user) for every training user, `(num_users, output_dim)`, rows in `user_encoder` order."""
        return self._tower_outputs()[0]

    @property
    def item_vectors(self) -> np.ndarray:
        """g(item) for every training item, `(num_items, output_dim)`, rows in `item_encoder` order."""
        return self._tower_outputs()[1]

    def predict(self, user_id, item_id) -> np.ndarray:
        raise TypeError("TwoTower ranks items, it does not predict ratings: use recommend(), score_items() or "
                        "evaluation.evaluate_ranking; for rating error use BiasedMF")  # fmt: skip

    def _predict(self, user_index, item_index) -> np.ndarray:
        if (user_index < 0).any() or (item_index < 0).any():
            raise ValueError("TwoTower scores only users and items seen in training: map raw ids with "
                             "user_encoder.transform / item_encoder.transform, which name unknown ids")  # fmt: skip
        users, items = self._tower_outputs()
        return pair_scores(users, items, user_index, item_index)  # <u, i> per pair, (n,)

    def score_items(self, user_index) -> np.ndarray:
        """⟨u, i⟩ for every training item: `(len(user_index), num_items)`."""
        users, items = self._tower_outputs()
        return users[np.asarray(user_index, dtype=np.int64)] @ items.T  # (users, d) @ (d, num_items)

    def _state(self) -> dict[str, np.ndarray]:
        threshold = np.nan if self.positive_threshold is None else self.positive_threshold
        names = {
            f"{k}_feature_names": np.array(getattr(self, f"{k}_feature_names"), str) for k in ("user", "item")
        }
        return {**super()._state(), **names, "positive_threshold": np.array(threshold)}

    def _restore(self, state) -> None:
        super()._restore(state)
        config, threshold = self.network.get_config(), float(state["positive_threshold"])
        self.__init__(
            config["embedding_dim"], config["output_dim"], None if np.isnan(threshold) else threshold
        )
        self.user_feature_names = [str(n) for n in state["user_feature_names"]]
        self.item_feature_names = [str(n) for n in state["item_feature_names"]]
        self.clear_cache()
