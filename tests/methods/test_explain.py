"""Neighbour explanations: the nearest liked items by cosine, checked against a brute-force loop."""

from __future__ import annotations

import numpy as np
import pytest

from recsys_lab.methods.explain import NO_REASON, because_you_liked, liked, nearest_liked


def brute_force(vectors, liked, candidates, k):
    rows = []
    for c in candidates:
        cos = {j: vectors[c] @ vectors[j] / np.linalg.norm(vectors[c]) / np.linalg.norm(vectors[j])
               for j in sorted(set(liked)) if j != c}  # fmt: skip
        rows.append(sorted(cos, key=lambda j: (-cos[j], j))[:k])
    return rows


def test_matches_a_brute_force_loop():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(30, 5))
    liked, candidates = [4, 9, 9, 21, 2, 13], [0, 4, 7, 29]
    reason, similarity = nearest_liked(vectors, liked, candidates, k=3)
    for row, sims, expected, c in zip(
        reason, similarity, brute_force(vectors, liked, candidates, 3), candidates, strict=True
    ):
        assert list(row) == expected  # the candidate 4 is liked, but never its own reason
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        np.testing.assert_allclose(sims, unit[row] @ unit[c])


def test_pads_when_too_few_liked_and_says_so():
    vectors = np.eye(4)
    reason, similarity = nearest_liked(vectors, [1], [1, 2], k=2)
    assert reason.tolist() == [[-1, -1], [1, -1]]
    assert np.isnan(similarity[0]).all() and similarity[1, 0] == 0.0 and np.isnan(similarity[1, 1])
    assert because_you_liked(["a", "b", "c", "d"], reason[0], similarity[0]) == NO_REASON
    # b is the only liked movie, at a right angle (cos 0): it does not point towards c, so it is no reason
    assert because_you_liked(["a", "b", "c", "d"], reason[1], similarity[1]) == NO_REASON
    empty, _ = nearest_liked(vectors, [], [0, 3], k=2)
    assert (empty == -1).all()


def test_indices_outside_the_table_are_a_clear_error():
    with pytest.raises(ValueError, match="liked_index holds indices outside 0..3"):
        nearest_liked(np.eye(4), [4], [0])
    with pytest.raises(ValueError, match="candidate_index"):
        nearest_liked(np.eye(4), [0], [-1])


def test_a_reason_points_towards_the_movie_or_none_is_given():
    # unit vectors at 0°, 60°, 150° and 180°: cosines with item 0 are 1/2, -√3/2 and -1 (hand-derived)
    angles = np.deg2rad([0.0, 60.0, 150.0, 180.0])
    vectors = np.c_[np.cos(angles), np.sin(angles)]
    titles = ["candidate", "near", "away", "opposite"]
    reason, similarity = nearest_liked(vectors, [1, 2, 3], [0], k=2)
    assert because_you_liked(titles, reason[0], similarity[0]) == "because you liked near (cos 0.50)"
    reason, similarity = nearest_liked(vectors, [2, 3], [0], k=2)  # the liked movies all point away
    assert because_you_liked(titles, reason[0], similarity[0]) == NO_REASON
    assert "liked" not in NO_REASON.replace("no movie you liked", "")  # names no movie


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ([5, 4, 3, 1], [True, True, False, False]),  # 4 or more
        ([3, 2, 2], [True, False, False]),  # a harsh rater's 3 is above their mean 2.33
        ([1], [False]),  # a lone 1 is no like, though it is the user's best
        ([3, 3], [False, False]),  # nothing above the mean, nothing 4 or more
        ([], []),
    ],
)
def test_liked_means_rated_4_or_more_or_above_the_users_own_mean(ratings, expected):
    assert liked(ratings).tolist() == expected
