"""Embedding figures: the PCA map against numpy's eigenvalues, norm against popularity, genre labels."""

from __future__ import annotations

import doctest

import numpy as np
import plotly.graph_objects as go
import pytest


@pytest.fixture(scope="module")
def world(inner_product_world):
    """This module's world: §3.3's (conftest.py, with the MF and two-tower trained on it)."""
    return inner_product_world


def test_embedding_figures(world, two_tower):
    from recsys_lab import viz_embeddings as ve

    vectors = two_tower.item_vectors
    coords, share = ve.pca_2d(vectors)
    centred = vectors - vectors.mean(axis=0)
    eigenvalues = np.sort(np.linalg.eigvalsh(np.cov(centred.T, bias=True)))[::-1]
    np.testing.assert_allclose(coords.var(axis=0), eigenvalues[:2], rtol=1e-5)
    np.testing.assert_allclose(share, eigenvalues[:2] / eigenvalues.sum(), rtol=1e-5)
    counts = np.asarray(two_tower.seen.sum(axis=0)).ravel()
    assert isinstance(ve.norm_vs_popularity(vectors, counts), go.Figure)
    assert -1 <= ve.norm_popularity_correlation(vectors, counts) <= 1
    genres = world.items.set_index("item_id").loc[two_tower.item_encoder.ids, "genres"]
    labels = ve.specific_genre(list(genres), max_labels=4)
    fig = ve.embedding_map(vectors, labels)
    assert sum(len(t.x) for t in fig.data) == len(vectors) and len({*labels}) <= 5


# --- the pure functions, on numbers worked out by hand ---------------------------------------------------------


def test_the_docstring_examples_run():
    from recsys_lab.ui import viz_embeddings

    result = doctest.testmod(viz_embeddings)
    assert result.failed == 0 and result.attempted >= 1


def test_norm_popularity_correlation_is_spearmans_rho():
    from recsys_lab import viz_embeddings as ve

    vectors = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 0.0]])  # norms 1, 2, 3
    # counts rank 1, 3, 2: rho = 1 - 6 * (0 + 1 + 1) / (3 * (9 - 1)) = 0.5
    assert ve.norm_popularity_correlation(vectors, [10, 30, 20]) == pytest.approx(0.5)
    assert ve.norm_popularity_correlation(vectors, [1, 5, 900]) == pytest.approx(1.0)  # ranks, not values
    assert ve.norm_popularity_correlation(vectors, [3, 2, 1]) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="3 item vectors but 2 counts: give one count per item"):
        ve.norm_popularity_correlation(vectors, [1, 2])
    fig = ve.norm_vs_popularity(vectors, [10, 30, 20], name="toy")
    assert list(fig.data[0].x) == [10, 30, 20] and list(fig.data[0].y) == [1.0, 2.0, 3.0]
    assert fig.layout.title.text == "toy: item vector length vs popularity (Spearman ρ = 0.50)"
    assert fig.layout.xaxis.type == "log"


def test_specific_genre_picks_the_rarest_and_groups_the_rest():
    from recsys_lab import viz_embeddings as ve

    genres = [["Drama", "War"], ["Drama"], ["Drama", "Comedy"], ["Comedy"], [], ["Western", "Drama"]]
    # counts: Drama 4, Comedy 2, War 1, Western 1; ties go to the name, an item without genres is "(none)"
    labels = ve.specific_genre(genres)
    assert labels.tolist() == ["War", "Drama", "Comedy", "Comedy", "(none)", "Western"]
    assert ve.specific_genre(genres, max_labels=1).tolist() == [
        "other",
        "other",
        "Comedy",
        "Comedy",
        "other",
        "other",
    ]


def test_embedding_map_colours_by_label_with_other_last_in_grey():
    from recsys_lab import viz_embeddings as ve

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(12, 4)) * [4.0, 2.0, 0.1, 0.1]  # two directions hold nearly all the variance
    labels = ["other"] * 5 + ["Drama"] * 4 + ["War"] * 3
    fig = ve.embedding_map(vectors, labels, name="toy")
    assert [t.name for t in fig.data] == ["Drama", "War", "other"]  # by count, "other" last
    assert [len(t.x) for t in fig.data] == [4, 3, 5] and fig.data[-1].marker.color == "lightgrey"
    _, share = ve.pca_2d(vectors)
    assert f"({share.sum():.0%} of the variance)" in fig.layout.title.text and share.sum() > 0.95
