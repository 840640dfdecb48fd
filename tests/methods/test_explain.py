"""Neighbour explanations: the nearest liked items by cosine, checked against a brute-force loop."""

from __future__ import annotations

import numpy as np
import pytest

from recsys_lab.methods.explain import because_you_liked, nearest_liked


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
    assert (
        because_you_liked(["a", "b", "c", "d"], reason[0], similarity[0])
        == "no liked movie to compare it with"
    )
    assert (
        because_you_liked(["a", "b", "c", "d"], reason[1], similarity[1]) == "because you liked b (cos 0.00)"
    )
    empty, _ = nearest_liked(vectors, [], [0, 3], k=2)
    assert (empty == -1).all()


def test_indices_outside_the_table_are_a_clear_error():
    with pytest.raises(ValueError, match="liked_index holds indices outside 0..3"):
        nearest_liked(np.eye(4), [4], [0])
    with pytest.raises(ValueError, match="candidate_index"):
        nearest_liked(np.eye(4), [0], [-1])
