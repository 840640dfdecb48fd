"""§3.2 CNN item features: convolution against numpy loops, text and poster encoders, cold-item scoring."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest

from recsys_lab import cold_start
from recsys_lab.models import item_cnn as ic
from recsys_lab.models.base import TrainConfig
from recsys_lab.protocol.metrics import rated_ndcg
from recsys_lab.ui.widgets_embeddings import similar_movies

FAST = TrainConfig(epochs=4, batch_size=64, learning_rate=3e-3, seed=3)


def conv1d_by_hand(x, kernel, bias):
    """'valid' 1-D convolution (cross-correlation, as in every deep-learning library), relu: (L, c) → (L-w+1, f)."""
    width = kernel.shape[0]
    out = np.zeros((x.shape[0] - width + 1, kernel.shape[2]))
    for t in range(out.shape[0]):
        for f in range(kernel.shape[2]):
            out[t, f] = np.sum(x[t : t + width] * kernel[:, :, f]) + bias[f]
    return np.maximum(out, 0)


def conv2d_by_hand(image, kernel, bias, stride=1, padding="valid"):
    """2-D convolution with relu, TensorFlow's 'same' padding rule (extra row/column at the bottom/right)."""
    k, (h, w) = kernel.shape[0], image.shape[:2]
    if padding == "same":
        out_h, out_w = -(-h // stride), -(-w // stride)
        pad_h, pad_w = max((out_h - 1) * stride + k - h, 0), max((out_w - 1) * stride + k - w, 0)
        image = np.pad(image, ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    else:
        out_h, out_w = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.zeros((out_h, out_w, kernel.shape[3]))
    for r in range(out_h):
        for c in range(out_w):
            patch = image[r * stride : r * stride + k, c * stride : c * stride + k]  # (k, k, channels)
            out[r, c] = np.tensordot(patch, kernel, axes=3) + bias
    return np.maximum(out, 0)


def test_hand_computed_convolutions_equal_keras():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 4)).astype("float32")
    layer = keras.layers.Conv1D(3, 2, activation="relu")
    keras_out = np.asarray(layer(x[None]))[0]
    kernel, bias = (np.asarray(v) for v in layer.get_weights())
    np.testing.assert_allclose(conv1d_by_hand(x, kernel, bias), keras_out, rtol=1e-5, atol=1e-6)

    image = rng.normal(size=(6, 5, 3)).astype("float32")
    layer = keras.layers.Conv2D(4, 3, activation="relu", bias_initializer="random_normal")
    keras_out = np.asarray(layer(image[None]))[0]
    np.testing.assert_allclose(conv2d_by_hand(image, *layer.get_weights()), keras_out, rtol=1e-5, atol=1e-5)


def test_poster_cnn_first_layer_is_the_hand_convolution():
    model = ic.poster_cnn((16, 16, 3), 5, seed=1)
    poster = np.random.default_rng(1).integers(0, 256, size=(1, 16, 16, 3)).astype("float32")
    first = keras.Model(model.input, model.get_layer("conv_1").output)
    kernel, bias = model.get_layer("conv_1").get_weights()
    expected = conv2d_by_hand(poster[0] / 255, kernel, bias, stride=2, padding="same")
    np.testing.assert_allclose(np.asarray(first(poster))[0], expected, rtol=1e-4, atol=1e-5)


def test_output_shapes():
    text = ic.text_cnn(50, 12, 9, filters=8, windows=(1, 2, 3), seed=0)
    assert text(np.zeros((5, 12), "int32")).shape == (5, 9)
    assert text.get_layer("conv_3").output.shape == (None, 10, 8)  # L - w + 1 positions
    poster = ic.poster_cnn((32, 32, 3), 9, filters=(4, 6), seed=0)
    assert poster(np.zeros((2, 32, 32, 3), "uint8")).shape == (2, 9)
    assert poster.get_layer("conv_1").output.shape == (None, 16, 16, 4)  # stride 2
    assert poster.get_layer("pool_2").output.shape == (None, 4, 4, 6)


# --- a small world: cold items, a teacher MF, content models ----------------------------------------------


@pytest.fixture(scope="module")
def world(cnn_world):
    """This module's world: §3.2's, with posters (conftest.py; shared with the cold-start and split tests)."""
    return cnn_world


@pytest.fixture(scope="module")
def mf(cnn_mf):
    """The teacher MF, fitted on `cold_split.train` (conftest.py)."""
    return cnn_mf


@pytest.fixture(scope="module")
def tokens(world, cold_split):
    ids = world.items["item_id"].to_numpy()
    texts = ic.item_text(world, ids)
    warm = ~np.isin(ids, cold_split.cold_items)
    vectorizer = ic.text_vectorizer([t for t, w in zip(texts, warm, strict=True) if w], sequence_length=12)
    return ic.tokenize(vectorizer, texts), vectorizer.vocabulary_size()


@pytest.mark.slow
def test_same_seed_same_model_other_seed_another(world, mf, tokens):
    ids, (x, vocab) = world.items["item_id"].to_numpy(), tokens

    def fit(seed):
        cnn = ic.text_cnn(vocab, x.shape[1], 9, filters=8, seed=seed)
        config = TrainConfig(**{**FAST.__dict__, "seed": seed})
        return ic.ContentToMF(cnn).fit(mf, ids, x, config=config).item_space(x)[0]

    a, b, c = fit(1), fit(1), fit(2)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.slow
def test_content_model_learns_the_item_space_and_scores_cold_items(world, cold_split, mf):
    ids = world.items["item_id"].to_numpy()
    cold = np.isin(ids, cold_split.cold_items)
    cnn = ic.poster_cnn(world.posters.shape[1:], mf.embedding_dim + 1, filters=(8, 8), seed=0)
    content = ic.ContentToMF(cnn).fit(
        mf, ids, world.posters, config=TrainConfig(epochs=40, batch_size=32, learning_rate=1e-2, seed=0)
    )
    q, b = content.item_space(world.posters)
    warm = mf.item_encoder.transform(ids[~cold])
    targets, fitted = np.c_[mf.item_embeddings, mf.item_bias][warm], np.c_[q, b][~cold]
    loss = content.history["loss"]
    assert loss[-1] < 0.85 * loss[0], loss  # measured: 0.79
    # a 240-movie world's MF vectors are mostly noise; the posters still explain a part (measured: 10 %)
    assert np.mean((fitted - targets) ** 2) < 0.95 * np.mean((targets - targets.mean(axis=0)) ** 2)
    assert q.shape == (len(ids), 8) and b.shape == (len(ids),)

    scorer = content.scorer(mf, ids[cold], world.posters[cold])
    assert scorer.score_items(np.arange(4)).shape == (4, cold.sum())
    user_id, item_id = cold_split.test[["user_id", "item_id"]].to_numpy()[0]
    u = mf.user_encoder.transform([user_id])[0]
    row = np.flatnonzero(ids == item_id)[0]
    by_hand = mf.global_mean + mf.user_bias[u] + b[row] + mf.user_embeddings[u] @ q[row]
    np.testing.assert_allclose(scorer.predict([user_id], [item_id])[0], np.clip(by_hand, 1, 5), rtol=1e-5)

    baselines = cold_start.cold_baselines(mf, world, ids[cold], seed=0)
    table = cold_start.cold_start_table({**baselines, "poster": scorer}, cold_split)
    graded = "ndcg@10 (rated, graded)"
    assert list(table.columns) == ["rmse", "ndcg@10 (cold catalogue)", "recall@10 (cold catalogue)", graded]
    assert table.loc["popularity", "rmse"] > table.loc["user bias", "rmse"]  # mu alone vs mu + b_u
    np.testing.assert_allclose(baselines["popularity"].predict([user_id], [item_id]), [mf.global_mean])
    # graded protocol: each user's rated cold items ranked by μ + b_u + b̂_i + ⟨p_u, q̂_i⟩ (unclipped), by hand
    test = cold_split.test[mf.user_encoder.contains(cold_split.test["user_id"])]
    u, rows = mf.user_encoder.transform(test["user_id"]), pd.Index(ids).get_indexer(test["item_id"])
    score = mf.global_mean + mf.user_bias[u] + b[rows] + np.einsum("nd,nd->n", mf.user_embeddings[u], q[rows])
    by_hand = rated_ndcg(test["user_id"], test["rating"], score, k=10)["ndcg@10"]
    assert table.loc["poster", graded] == pytest.approx(by_hand, rel=1e-6)
    assert table.loc["popularity", graded] == table.loc["user bias", graded]  # b_u reorders nothing
    ceiling = cold_start.planted_ceiling(world, cold_split)
    assert ceiling[graded] > table.loc["popularity", graded]  # the truth orders items better than chance


def test_scorer_serves_the_neighbour_table(world, mf, tokens, capsys):
    x, vocab = tokens
    ids = world.items["item_id"].to_numpy()
    capsys.readouterr()
    content = ic.ContentToMF(ic.text_cnn(vocab, x.shape[1], 9, filters=8, seed=0)).fit(
        mf, ids, x, config=FAST
    )
    assert capsys.readouterr().out.startswith(f"content CNN: {FAST.epochs} epochs in ")  # the progress line
    everything = content.scorer(mf, ids, x)
    cold_id = int(np.setdiff1d(ids, mf.item_encoder.ids)[0])
    table = similar_movies(everything, world.items, cold_id, k=5)  # a movie nobody rated has neighbours
    assert len(table) == 5 and cold_id not in table["item_id"].to_numpy()
    assert table["ratings"].max() > 0 and everything.seen.shape == (mf.num_users, len(ids))


def test_bad_input_is_named(world, mf, tokens):
    x, vocab = tokens
    ids = world.items["item_id"].to_numpy()
    with pytest.raises(ValueError, match="unknown item_id"):
        ic.item_text(world, [1, 99_999])
    content = ic.ContentToMF(ic.text_cnn(vocab, x.shape[1], 9, filters=8, seed=0))
    with pytest.raises(ValueError, match="one row per item"):
        content.fit(mf, ids[:10], x)
    with pytest.raises(ValueError, match="embedding_dim \\+ 1 = 9"):
        ic.ContentToMF(ic.text_cnn(vocab, x.shape[1], 4, seed=0)).fit(mf, ids, x)
    with pytest.raises(ValueError, match="nothing to learn"):
        content.fit(mf, [99_998, 99_999], x[:2])
    content.fit(mf, ids, x, config=FAST)
    scorer = content.scorer(mf, ids[:20], x[:20])
    with pytest.raises(ValueError, match="unknown item_id 99999"):
        scorer.predict([1], [99_999])
    with pytest.raises(ValueError, match="distinct item_ids"):
        cold_start.ItemSpaceScorer(mf, [1, 1], np.zeros((2, 8)), np.zeros(2))


# --- text: Keras' vectoriser on real titles -----------------------------------------------------------------


def test_vectoriser_lower_cases_every_alphabet():
    texts = ["Á köldum klaka (1994)", "á KÖLDUM klaka", "Ça commence aujourd'hui (1999)", "東京物語 (1953)"]
    vectorizer = ic.text_vectorizer([t.lower() for t in texts], sequence_length=6)
    ids = np.asarray(vectorizer([t.lower() for t in texts]))
    np.testing.assert_array_equal(ids[0, :3], ids[1, :3])  # same words, whatever the case
    assert {"á", "köldum", "東京物語"} <= set(vectorizer.get_vocabulary())


@pytest.mark.parametrize("fixture", ["ml100k", "ml_latest_small"])
def test_text_of_real_titles(request, fixture):
    ds = request.getfixturevalue(fixture)
    ids = ds.items["item_id"].to_numpy()
    texts = ic.item_text(ds, ids)
    accented = [t for t in texts if any(ord(c) > 127 for c in t)]
    assert accented, "both releases have titles with accents (ml-100k in Latin-1, ml-latest-small in UTF-8)"
    assert all(t == t.lower() and "\ufffd" not in t for t in texts)  # decoded, never replacement characters
    vectorizer = ic.text_vectorizer(texts, max_tokens=100_000, sequence_length=24)  # every word kept
    vocabulary = set(vectorizer.get_vocabulary())
    tokens = np.asarray(vectorizer(accented))
    assert tokens.shape == (len(accented), 24) and (tokens[:, 0] > 1).all()  # first word known, not [UNK]
    assert any(word in vocabulary for word in ("misérables", "amélie", "café"))
    if ds.tags is not None:  # ml-latest-small: the tags join the text
        item = int(ds.tags["item_id"].iloc[0])
        assert str(ds.tags["tag"].iloc[0]).lower() in ic.item_text(ds, [item])[0]


def test_tokenize_drops_unknown_words():
    vectorizer = ic.text_vectorizer(["star wars", "star trek"], sequence_length=4)
    tokens = ic.tokenize(vectorizer, ["star galaxy wars"])
    words = vectorizer.get_vocabulary()
    assert [words[t] for t in tokens[0] if t] == ["star", "wars"] and tokens[0, 1] == 0
