"""Embedding explorers: similar movies and a user's top-k as tables (on §3.3's models and on a hand-made one whose
numbers are worked out below), and the widgets that show them."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recsys_lab.data.ids import IdEncoder


@pytest.fixture(scope="module")
def world(inner_product_world):
    """This module's world: §3.3's (conftest.py, with the MF and two-tower trained on it)."""
    return inner_product_world


@pytest.fixture(scope="module")
def mf(inner_product_mf):
    """§3.3's biased MF, fitted on `world_split.train` (conftest.py)."""
    return inner_product_mf


def test_explorer_tables(world, ranking_split, two_tower, mf):
    from recsys_lab import widgets_embeddings as we

    item_id = int(two_tower.item_encoder.ids[0])
    table = we.similar_movies(two_tower, world.items, item_id, k=5)
    assert len(table) == 5 and item_id not in set(table["item_id"]) and "title" in table
    user_id = int(two_tower.user_encoder.ids[0])
    liked, recommended = we.user_top_k(two_tower, world.items, user_id, 10, train=ranking_split.train,
                                       test=ranking_split.test)  # fmt: skip
    seen = set(ranking_split.train.loc[ranking_split.train.user_id == user_id, "item_id"])
    assert len(recommended) == 10 and not seen & set(recommended["item_id"]) and len(liked) == 5
    assert set(recommended["in test"]) <= {"", "✓"}
    assert we.model_vectors(mf)[1].shape == mf.item_embeddings.shape
    with pytest.raises(ValueError, match="unknown item_id"):
        we.similar_movies(two_tower, world.items, 10**9)


def test_explorers_show_the_table_for_what_was_picked(world, ranking_split, two_tower, screen, capsys):
    from recsys_lab import widgets_embeddings as we

    box = we.similar_movies_explorer(two_tower, world.items, choices=20)
    movie, size = box.children[0].children
    assert "cosine" in screen[-1] and len(screen[-1]) == 10
    box.children[1].value = "dot"  # the metric toggle redraws the table by dot product
    expected = we.similar_movies(two_tower, world.items, movie.value, 10, metric="dot").round(3)
    pd.testing.assert_frame_equal(screen[-1], expected)
    assert "dot" in screen[-1] and "cosine" not in screen[-1]
    size.value = 3
    assert screen[-1]["item_id"].tolist() == expected["item_id"].tolist()[:3]
    screen.clear()
    capsys.readouterr()
    box = we.user_top_k_explorer(two_tower, world.items, train=ranking_split.train)
    first = int(two_tower.user_encoder.ids[0])
    assert f"user {first} rated highest in training:" in capsys.readouterr().out
    user = int(two_tower.user_encoder.ids[1])
    box.children[0].children[0].value = user
    liked, top = we.user_top_k(two_tower, world.items, user, 10, train=ranking_split.train)
    printed = capsys.readouterr().out
    assert (
        f"user {user} rated highest in training:" in printed
        and "top-10 by dot (seen items excluded):" in printed
    )
    pd.testing.assert_frame_equal(screen[-2], liked)
    pd.testing.assert_frame_equal(screen[-1], top.round(3))
    assert not set(top["item_id"]) & set(
        ranking_split.train.loc[ranking_split.train.user_id == user, "item_id"]
    )


# --- the tables, on a hand-made model --------------------------------------------------------------------------


def hand_model():
    """Users 1, 2 and items 10, 20, 30, 40 with 2-D vectors; user 1 rated 10, user 2 rated 30 and 40."""
    return SimpleNamespace(
        user_vectors=np.array([[1.0, 0.1], [0.0, 1.0]]),
        item_vectors=np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [1.0, 2.0]]),
        user_encoder=IdEncoder([1, 2], "user_id"),
        item_encoder=IdEncoder([10, 20, 30, 40], "item_id"),
        seen=sp.csr_matrix(np.array([[1, 0, 0, 0], [0, 0, 1, 1]], bool)),
    )


ITEMS = pd.DataFrame(
    {
        "item_id": [10, 20, 30, 40],
        "title": ["A", "B", "C", "D"],
        "genres": [["Drama"], [], ["War", "Drama"], ["War"]],
    }
)
TRAIN = pd.DataFrame({"user_id": [1, 2, 2], "item_id": [10, 30, 40], "rating": [4.0, 2.0, 5.0]})
TEST = pd.DataFrame({"user_id": [1, 2], "item_id": [30, 20], "rating": [3.0, 4.0]})


def test_similar_movies_by_cosine_and_by_dot():
    from recsys_lab import widgets_embeddings as we

    # item 40 = (1, 2): cosine 0.894 with 30, 0.447 with 10 and 20 (a tie: the lower index first)
    table = we.similar_movies(hand_model(), ITEMS, 40, k=2)
    assert list(table.columns) == ["rank", "item_id", "title", "genres", "ratings", "cosine"]
    assert table[["rank", "item_id", "title", "genres", "ratings"]].to_dict("list") == {
        "rank": [1, 2], "item_id": [30, 10], "title": ["C", "A"], "genres": ["War, Drama", "Drama"], "ratings": [1, 1]
    }  # fmt: skip
    np.testing.assert_allclose(table["cosine"], [2 / np.sqrt(5), 1 / np.sqrt(5)])
    dot = we.similar_movies(hand_model(), ITEMS, 40, k=2, metric="dot")  # dot 2 with 20 and 30: 20 first
    assert (
        dot["item_id"].tolist() == [20, 30]
        and dot["dot"].tolist() == [2.0, 2.0]
        and dot["ratings"].tolist() == [0, 1]
    )
    with pytest.raises(ValueError, match="unknown item_id 50"):
        we.similar_movies(hand_model(), ITEMS, 50)


def test_user_top_k_excludes_seen_marks_test_items_and_lists_what_they_liked():
    from recsys_lab import widgets_embeddings as we

    # user 1 = (1, .1): dot 1 with 10 (seen), 2 with 20, .1 with 30, 1.2 with 40
    liked, top = we.user_top_k(hand_model(), ITEMS, 1, k=3, train=TRAIN, test=TEST)
    assert top["item_id"].tolist() == [20, 40, 30] and top["rank"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(top["dot"], [2.0, 1.2, 0.1])
    assert top["in test"].tolist() == ["", "", "✓"]
    assert liked[["item_id", "rating"]].to_dict("list") == {"item_id": [10], "rating": [4.0]}
    liked, top = we.user_top_k(hand_model(), ITEMS, 2, k=3, history=1, train=TRAIN)
    assert liked["item_id"].tolist() == [40] and "in test" not in top
    assert top["item_id"].tolist() == [10, 20]  # user 2 = (0, 1) scores both 0: the lower index first
    assert we.user_top_k(hand_model(), ITEMS, 2, k=2)[0].empty  # no training table: nothing liked to show
    with pytest.raises(ValueError, match="unknown user_id 3"):
        we.user_top_k(hand_model(), ITEMS, 3)


def test_model_vectors_reads_either_kind_of_model():
    from recsys_lab import widgets_embeddings as we

    model = hand_model()
    assert we.model_vectors(model) == (model.user_vectors, model.item_vectors)
    mf = SimpleNamespace(user_embeddings=np.ones((2, 3)), item_embeddings=np.zeros((4, 3)))
    assert we.model_vectors(mf) == (mf.user_embeddings, mf.item_embeddings)
    with pytest.raises(
        TypeError, match="SimpleNamespace has no user/item vectors; use a TwoTower or BiasedMF"
    ):
        we.model_vectors(SimpleNamespace())
