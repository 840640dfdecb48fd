"""Item features from item content with a CNN (§3.2), trained to land in a recommender's item space.

    F1 = Conv(x)    local patterns: a 1-3 word phrase of a title, a 3×3 patch of a poster
    F2 = Pool(F1)   the strongest match anywhere (max over time), or a coarser map (2×2 max-pool)
    F3 = Dense(F2)  here d + 1 numbers, (q̂_i, b̂_i): the item's place in biased MF's space

Target (CB2CF, Barkan et al. 2019): a `BiasedMF` fitted on the warm items gives each one a vector q_i and a
bias b_i; the CNN learns content → (q_i, b_i) by MSE weighted by n_i / (n_i + 10) for an item with n_i
training ratings (a rarely rated item's q_i is mostly the L2 prior). An item nobody has rated is then scored
from its content alone: r̂(u, i) = μ + b_u + b̂_i + ⟨p_u, q̂_i⟩ (`cold_start.ItemSpaceScorer`, which also has
the baselines and the cold-start table).

>>> cnn = text_cnn(vocab_size=2000, sequence_length=24, output_dim=mf.embedding_dim + 1)    # doctest: +SKIP
>>> content = ContentToMF(cnn).fit(mf, ds.items["item_id"], tokens, config=TRAIN)          # doctest: +SKIP
>>> cold = content.scorer(mf, cold_ids, tokens_of_cold_ids); cold.predict([1], [1682])     # doctest: +SKIP
"""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd

from recsys_lab.data.dataset import Dataset
from recsys_lab.methods.cold_start import ItemSpaceScorer
from recsys_lab.models.base import TrainConfig, progress_callbacks

TRAIN = TrainConfig(epochs=30, batch_size=128, learning_rate=3e-3)  # ContentToMF.fit's default
_init = keras.initializers.GlorotUniform


def item_text(ds: Dataset, item_ids) -> list[str]:
    """One lower-cased text per item: title, genres, and the item's tags where the dataset has them.

    Lower-cased in Python, which knows every alphabet ("Á köldum klaka" → "á köldum klaka"): Keras'
    `TextVectorization` lower-cases ASCII only. Unknown item ids raise a ValueError.
    """
    table, item_ids = ds.items.set_index("item_id"), np.asarray(item_ids, dtype=np.int64)
    unknown = ~np.isin(item_ids, table.index.to_numpy())
    if unknown.any():
        raise ValueError(f"unknown item_id {item_ids[unknown][:5].tolist()}: not in ds.items; check the ids")
    tags = pd.Series(dtype=str)
    if ds.tags is not None:
        tags = ds.tags.assign(tag=ds.tags["tag"].astype(str)).groupby("item_id")["tag"].unique().map(" ".join)
    rows = table.loc[item_ids]
    return [f"{title} {' '.join(genres)} {tags.get(i, '')}".strip().lower()
            for i, title, genres in zip(item_ids, rows["title"], rows["genres"], strict=True)]  # fmt: skip


def text_vectorizer(texts, *, max_tokens: int = 5000, sequence_length: int = 24):
    """Keras' `TextVectorization` adapted to `texts`: strings → `(n, sequence_length)` ids, 0 = padding, 1 = unknown."""
    vectorizer = keras.layers.TextVectorization(max_tokens=max_tokens, output_sequence_length=sequence_length)
    vectorizer.adapt(list(texts))
    return vectorizer


def tokenize(vectorizer, texts) -> np.ndarray:
    """Token ids `(n, sequence_length)` with unknown words dropped (set to the padding id 0).

    Words seen only in new movies' texts would otherwise all become one shared [UNK] token, a feature that
    says "new movie" and makes new movies look alike.
    """
    tokens = np.asarray(vectorizer(list(texts)))
    return np.where(tokens == 1, 0, tokens)


def text_cnn(vocab_size: int, sequence_length: int, output_dim: int, *, embedding_dim: int = 32,
             filters: int = 32, windows=(1, 2, 3), dropout: float = 0.3, seed: int = 42) -> keras.Model:  # fmt: skip
    """Kim (2014): token ids `(batch, L)` → embedding → Conv1D per window size → max over time → Dense."""
    tokens = keras.Input((sequence_length,), dtype="int32", name="tokens")
    init = keras.initializers.RandomUniform(-0.05, 0.05, seed=seed)
    x = keras.layers.Embedding(vocab_size, embedding_dim, embeddings_initializer=init, name="embedding")(
        tokens
    )
    pooled = []  # x: (b, L, embedding_dim)
    for w in windows:
        conv = keras.layers.Conv1D(
            filters, w, activation="relu", kernel_initializer=_init(seed + w), name=f"conv_{w}"
        )
        pooled.append(
            keras.layers.GlobalMaxPooling1D(name=f"pool_{w}")(conv(x))
        )  # (b, L - w + 1, f) → (b, f)
    x = keras.layers.Dropout(dropout, seed=seed)(keras.layers.Concatenate()(pooled))  # (b, f · |windows|)
    return keras.Model(
        tokens, keras.layers.Dense(output_dim, kernel_initializer=_init(seed), name="dense")(x)
    )


def poster_cnn(
    image_shape, output_dim: int, *, filters=(16, 32), dropout: float = 0.2, seed: int = 42
) -> keras.Model:
    """Posters `(batch, S, S, 3)` uint8 → [Conv2D 3×3 → MaxPool 2×2] per entry of `filters` → Dense.

    The first convolution moves 2 pixels at a time (stride 2): 32×32 posters give 16×16 maps at a quarter of
    the cost, which lets the model train in seconds on a laptop CPU.
    """
    images = keras.Input(tuple(image_shape), name="poster")
    x = keras.layers.Rescaling(1 / 255, name="rescale")(images)  # (b, S, S, 3) in [0, 1]
    for j, f in enumerate(filters):
        x = keras.layers.Conv2D(f, 3, strides=2 if j == 0 else 1, padding="same", activation="relu",
                                kernel_initializer=_init(seed + j), name=f"conv_{j + 1}")(x)  # (b, s, s, f)  # fmt: skip
        x = keras.layers.MaxPooling2D(2, name=f"pool_{j + 1}")(x)  # (b, s/2, s/2, f)
    x = keras.layers.Dropout(dropout, seed=seed)(keras.layers.Flatten()(x))  # (b, s/2 · s/2 · f)
    return keras.Model(
        images, keras.layers.Dense(output_dim, kernel_initializer=_init(seed), name="dense")(x)
    )


class ContentToMF:
    """Trains `encoder` (content → d + 1 numbers) to reproduce a fitted BiasedMF's (q_i, b_i) on its items."""

    name = "content CNN"  # the progress line's label while it trains

    def __init__(self, encoder: keras.Model):
        self.encoder = encoder

    def fit(self, mf, item_ids, content, *, config: TrainConfig = TRAIN, prior: float = 10.0) -> ContentToMF:
        """`content[j]` belongs to `item_ids[j]`; rows of items the MF never saw (the cold ones) are skipped."""
        content, item_ids = np.asarray(content), np.asarray(item_ids, dtype=np.int64)
        if len(content) != len(item_ids):
            raise ValueError(
                f"content has {len(content)} rows for {len(item_ids)} item_ids: one row per item"
            )
        if self.encoder.output_shape[-1] != mf.embedding_dim + 1:
            raise ValueError(f"the encoder must output embedding_dim + 1 = {mf.embedding_dim + 1} numbers "
                             f"(q_i and b_i); it outputs {self.encoder.output_shape[-1]}")  # fmt: skip
        index = mf.item_encoder.transform(item_ids, unknown="ignore")
        if not (index >= 0).any():
            raise ValueError("none of item_ids was in the MF's training data: nothing to learn from")
        warm = index >= 0
        targets = np.c_[mf.item_embeddings, mf.item_bias][index[warm]]  # (warm items, d + 1)
        counts = np.asarray(mf.seen.sum(axis=0)).ravel()[index[warm]]  # n_i
        keras.utils.set_random_seed(config.seed)
        self.encoder.compile(optimizer=config.make_optimizer(), loss="mse")
        self.history = self.encoder.fit(content[warm], targets, sample_weight=counts / (counts + prior),
                                        epochs=config.epochs, batch_size=config.batch_size,
                                        verbose=config.verbose,
                                        callbacks=progress_callbacks(config, self.name)).history  # fmt: skip
        return self

    def item_space(self, content, batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
        """(q̂, b̂) for any rows of content: `(n, d)` and `(n,)`."""
        content = np.asarray(content)
        out = np.concatenate([keras.ops.convert_to_numpy(self.encoder(content[s : s + batch_size]))
                              for s in range(0, max(len(content), 1), batch_size)])  # (n, d + 1)  # fmt: skip
        return out[:, :-1], out[:, -1]

    def scorer(self, mf, item_ids, content, *, name: str = "content CNN") -> ItemSpaceScorer:
        """An `ItemSpaceScorer` over `item_ids`, their (q̂, b̂) predicted from `content` (one row per id)."""
        if len(content) != len(item_ids):
            raise ValueError(
                f"content has {len(content)} rows for {len(item_ids)} item_ids: one row per item"
            )
        return ItemSpaceScorer(mf, item_ids, *self.item_space(content), name=name)
