"""evaluate_* glue: the same numbers as the metric functions applied by hand, and every evaluate_* function on a
hand-built split whose answers are worked out below (distinct scores, so no answer depends on a tie rule)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lab import splits
from recsys_lab.methods.baselines import BiasBaseline, GlobalMean, Popularity
from recsys_lab.methods.recommender import Recommender
from recsys_lab.protocol.evaluation import (
    compare,
    evaluate_all,
    evaluate_ranking,
    evaluate_rated_ranking,
    evaluate_ratings,
    evaluate_sampled,
    ranked_lists,
)
from recsys_lab.protocol.splits import Split

# The hand-built split: users 1, 2 (dense 0, 1) and items 10..80 (dense 0..7), all known from training.
# User 1 rated 10, 20, 30 in train and 40, 60, 80 in test; user 2 rated 40..80 in train and 10, 20 in test.
# Two cold test pairs: user 3 (not in train) and item 99 (not in train). Never rated: user 1 50, 70; user 2 30.
HAND_TRAIN = pd.DataFrame(
    {
        "user_id": [1, 1, 1, 2, 2, 2, 2, 2],
        "item_id": [10, 20, 30, 40, 50, 60, 70, 80],
        "rating": [4.0, 2.0, 3.0, 5.0, 3.0, 1.0, 4.0, 2.0],
    }
)
HAND_TEST = pd.DataFrame(
    {
        "user_id": [1, 1, 1, 2, 2, 3, 1],
        "item_id": [40, 60, 80, 10, 20, 10, 99],
        "rating": [5.0, 2.0, 4.0, 1.0, 4.0, 3.0, 4.0],
    }
)
HAND_SCORES = np.array(  # score of (user, item), items 10..80; distinct among each user's unseen items
    [
        [9.0, 8.0, 7.0, 1.5, 2.0, 5.5, 2.5, 4.0],  # user 1, unseen ranked: 60, 80, 70, 50, 40
        [3.0, 0.5, 2.0, 8.0, 7.0, 6.0, 5.0, 4.0],  # user 2, unseen ranked: 10, 30, 20
    ]
)
COLD = 3.0  # the prediction for a pair whose user or item is unknown


class HandScores(Recommender):
    """Scores from HAND_SCORES; records every pair `score_pairs` is asked about (to inspect the negatives)."""

    def _fit(self, user_index, item_index, rating):
        self.scored = []

    def _predict(self, user_index, item_index):
        known = (user_index >= 0) & (item_index >= 0)
        return np.where(known, HAND_SCORES[np.maximum(user_index, 0), np.maximum(item_index, 0)], COLD)

    def score_pairs(self, user_index, item_index):
        self.scored.append((np.asarray(user_index).copy(), np.asarray(item_index).copy()))
        return super().score_pairs(user_index, item_index)


@pytest.fixture
def hand():
    return HandScores().fit(HAND_TRAIN, rating_scale=(1, 5)), Split(HAND_TRAIN, HAND_TEST, "by hand")


def log2(x):
    return np.log2(x)


@pytest.fixture(scope="module")
def split():
    rng = np.random.default_rng(0)
    pairs = rng.choice(50 * 70, size=1_200, replace=False)
    ratings = pd.DataFrame(
        {
            "user_id": pairs // 70,
            "item_id": pairs % 70,
            "rating": rng.integers(1, 6, len(pairs)).astype(float),
        }
    )
    return splits.random_split(ratings, 0.25, seed=0, by_user=True)


def test_ranking_matches_a_brute_force_loop(split):
    model = BiasBaseline().fit(split.train)
    got = evaluate_ranking(model, split, k=5)
    ndcgs, recalls = [], []
    for user, group in split.test.groupby("user_id"):
        relevant = set(group.item_id) & set(model.item_encoder.ids)
        if not relevant:
            continue
        seen = set(split.train[split.train.user_id == user].item_id)
        candidates = [i for i in model.item_encoder.ids if i not in seen]
        scores = {i: model.predict([user], [i])[0] for i in candidates}
        # unclipped scores rank the same here: no prediction reaches the clip; ties count against the model
        ranked = sorted(candidates, key=lambda i: (-scores[i], i in relevant, i))[:5]
        hits = [r for r, i in enumerate(ranked, 1) if i in relevant]
        ideal = sum(1 / np.log2(r + 1) for r in range(1, min(5, len(relevant)) + 1))
        ndcgs.append(sum(1 / np.log2(r + 1) for r in hits) / ideal)
        recalls.append(len(hits) / len(relevant))
    assert got["users"] == len(ndcgs)
    assert got["ndcg@5"] == pytest.approx(np.mean(ndcgs))
    assert got["recall@5"] == pytest.approx(np.mean(recalls))


def test_full_ranking_gives_a_constant_scorer_no_credit(split):
    # GlobalMean scores every item alike: ties must not hand it the lowest item ids as its list
    const = evaluate_ranking(GlobalMean().fit(split.train), split, k=10)
    assert const["hit_rate@10"] == 0.0 and const["ndcg@10"] == 0.0
    pop = evaluate_ranking(Popularity().fit(split.train), split, k=10)
    assert pop["ndcg@10"] > 0.05


@pytest.mark.real_data
def test_full_ranking_constant_scorer_below_random_on_ml100k(ml100k):
    # ml-100k's lowest item ids are popular films: ranking ties by id gave the global mean NDCG@10 0.083,
    # four times a random scorer's (0.021). With ties against the model it gets nothing.
    split = splits.random_split(ml100k.ratings, 0.2, seed=0, by_user=True)
    const = evaluate_ranking(GlobalMean().fit(split.train), split, k=10)
    assert const["ndcg@10"] == 0.0
    assert evaluate_ranking(Popularity().fit(split.train), split, k=10)["ndcg@10"] > 0.05


def test_sampled_metrics_separate_informed_from_constant_scores(split):
    pop = evaluate_sampled(Popularity().fit(split.train), split, k=10, num_negatives=20, seed=0)
    const = evaluate_sampled(GlobalMean().fit(split.train), split, k=10, num_negatives=20, seed=0)
    assert const["hit_rate@10"] == 0.0 and pop["hit_rate@10"] > 0.2
    again = evaluate_sampled(Popularity().fit(split.train), split, k=10, num_negatives=20, seed=0)
    assert again == pop


def test_compare_reports_every_metric_per_model(split):
    table = compare({"mean": GlobalMean(), "bias": BiasBaseline()}, split, k=5, seed=0, num_negatives=20)
    assert list(table.index) == ["mean", "bias"]
    assert {"rmse", "mae", "ndcg@5", "recall@5", "coverage@5", "sampled hit_rate@5", "fit seconds"} <= set(
        table
    )
    assert table.loc["bias", "rmse"] == pytest.approx(
        evaluate_ratings(BiasBaseline().fit(split.train), split.test)["rmse"]
    )


def test_evaluate_ratings_scores_every_test_pair_clipped_with_the_cold_fallback(hand):
    model, split = hand
    # predictions: 1.5, 5.5 -> 5, 4.0, 3.0, 0.5 -> 1, cold 3.0, cold 3.0; errors 3.5, 3, 0, 2, 3, 0, 1
    errors = np.array([3.5, 3.0, 0.0, 2.0, 3.0, 0.0, 1.0])
    got = evaluate_ratings(model, split.test)
    assert got["ratings"] == 7
    assert got["rmse"] == pytest.approx(np.sqrt(np.mean(errors**2)))
    assert got["mae"] == pytest.approx(12.5 / 7)


def test_ranked_lists_are_each_known_test_users_top_k_of_unseen_items(hand):
    model, split = hand
    recommended, relevant = ranked_lists(model, split, k=3)
    np.testing.assert_array_equal(recommended, [[5, 7, 6], [0, 2, 1]])  # items 60, 80, 70 and 10, 30, 20
    assert relevant.shape == (2, 8)
    assert [sorted(row.indices.tolist()) for row in relevant] == [[3, 5, 7], [0, 1]]  # 40, 60, 80; 10, 20
    _, above_4 = ranked_lists(model, split, k=3, relevance_threshold=4)
    assert [sorted(row.indices.tolist()) for row in above_4] == [[3, 7], [1]]  # 40, 80; 20


def test_evaluate_ranking_by_hand(hand):
    model, split = hand
    got = evaluate_ranking(model, split, k=3)
    # user 1: top 3 = 60, 80, 70, relevant {40, 60, 80}: hits at ranks 1, 2
    # user 2: top 3 = 10, 30, 20, relevant {10, 20}: hits at ranks 1, 3
    ndcg_1 = (1 + 1 / log2(3)) / (1 + 1 / log2(3) + 1 / log2(4))
    ndcg_2 = (1 + 1 / log2(4)) / (1 + 1 / log2(3))
    assert got["users"] == 2
    assert got["precision@3"] == pytest.approx(2 / 3)
    assert got["recall@3"] == pytest.approx((2 / 3 + 1) / 2)
    assert got["hit_rate@3"] == 1.0
    assert got["ndcg@3"] == pytest.approx((ndcg_1 + ndcg_2) / 2)
    assert got["mrr@3"] == 1.0
    assert got["coverage@3"] == pytest.approx(6 / 8)  # 60, 80, 70, 10, 30, 20 of 8 items


def test_evaluate_ranking_counts_only_test_ratings_at_or_above_the_threshold(hand):
    model, split = hand
    got = evaluate_ranking(model, split, k=3, relevance_threshold=4)
    # relevant: user 1 {40 (5), 80 (4)}, 60 (2) is not; user 2 {20 (4)}, 10 (1) is not
    # user 1: top 3 = 60, 80, 70: one hit, at rank 2; user 2: top 3 = 10, 30, 20: one hit, at rank 3
    assert got["users"] == 2
    assert got["precision@3"] == pytest.approx(1 / 3)
    assert got["recall@3"] == pytest.approx((1 / 2 + 1) / 2)
    assert got["ndcg@3"] == pytest.approx(((1 / log2(3)) / (1 + 1 / log2(3)) + 1 / log2(4)) / 2)
    assert got["mrr@3"] == pytest.approx((1 / 2 + 1 / 3) / 2)
    only_fives = evaluate_ranking(model, split, k=3, relevance_threshold=5)  # 40 for user 1, none for user 2
    assert only_fives["users"] == 1 and only_fives["recall@3"] == 0.0  # 40 is user 1's 5th unseen item


@pytest.mark.parametrize("seed", range(5))
def test_evaluate_sampled_by_hand(hand, seed):
    model, split = hand
    # one negative per pair, among the never-rated items: user 1 gets 50 (2.0) or 70 (2.5), user 2 gets 30 (2.0)
    # positives: 40 (1.5) -> rank 2; 60 (5.5), 80 (4.0) -> rank 1; 10 (3.0) -> rank 1; 20 (0.5) -> rank 2
    got = evaluate_sampled(model, split, k=1, num_negatives=1, seed=seed)
    assert got == pytest.approx({"hit_rate@1": 3 / 5, "ndcg@1": 3 / 5, "mrr": 4 / 5, "pairs": 5})
    # ranked among 2 candidates, everything is a hit at k = 2; ndcg = mean of 1 or 1/log2(3)
    two = evaluate_sampled(model, split, k=2, num_negatives=1, seed=seed)
    assert two["hit_rate@2"] == 1.0 and two["ndcg@2"] == pytest.approx((3 + 2 / log2(3)) / 5)


def test_evaluate_sampled_counts_only_test_ratings_at_or_above_the_threshold(hand):
    model, split = hand
    # positives: 40 (5) -> rank 2, 80 (4) -> rank 1 for user 1; 20 (4) -> rank 2 for user 2
    got = evaluate_sampled(model, split, k=1, num_negatives=1, seed=0, relevance_threshold=4)
    assert got == pytest.approx({"hit_rate@1": 1 / 3, "ndcg@1": 1 / 3, "mrr": 2 / 3, "pairs": 3})


def negatives_scored(model, num_negatives: int) -> list[tuple[int, int]]:
    """The (user, item) dense pairs of the negatives `evaluate_sampled` asked the model to score (2nd call)."""
    users, items = model.scored[-1]
    assert len(users) == num_negatives * len(model.scored[-2][0])
    return list(zip(users.tolist(), items.tolist(), strict=True))


@pytest.mark.parametrize("seed", range(20))
def test_sampled_negatives_are_never_an_item_the_user_rated_in_train_or_test(hand, seed):
    model, split = hand
    never_rated = {0: {4, 6}, 1: {2}}  # user 1: items 50, 70; user 2: item 30
    model.scored.clear()
    evaluate_sampled(model, split, k=1, num_negatives=1, seed=seed)
    for user, item in negatives_scored(model, 1):
        assert item in never_rated[user], (user, item)
    model.scored.clear()
    evaluate_sampled(model, split, k=1, num_negatives=2, seed=seed, relevance_threshold=5)  # user 1 only
    assert sorted(negatives_scored(model, 2)) == [(0, 4), (0, 6)]


class RecordingBias(BiasBaseline):
    """BiasBaseline that records every pair `score_pairs` is asked about."""

    scored: list

    def score_pairs(self, user_index, item_index):
        self.scored.append((np.asarray(user_index).copy(), np.asarray(item_index).copy()))
        return super().score_pairs(user_index, item_index)


def test_sampled_negatives_on_a_random_split_avoid_train_and_test(split):
    model = RecordingBias().fit(split.train)
    model.scored = []
    evaluate_sampled(model, split, k=10, num_negatives=30, seed=3)
    both = pd.concat([split.train, split.test])
    rated = set(zip(both.user_id, both.item_id, strict=True))
    users, items = model.scored[-1]
    scored = zip(model.user_encoder.inverse(users), model.item_encoder.inverse(items), strict=True)
    pairs = set(scored)
    assert len(users) == 30 * len(model.scored[-2][0])
    assert not pairs & rated


def test_evaluate_rated_ranking_by_hand(hand):
    model, split = hand
    # user 1 by score: 60 (r 2), 80 (r 4), 40 (r 5); user 2: 10 (r 1), 20 (r 4); gain 2^r - 1; cold pairs out
    dcg_1, ideal_1 = 3 + 15 / log2(3) + 31 / 2, 31 + 15 / log2(3) + 3 / 2
    dcg_2, ideal_2 = 1 + 15 / log2(3), 15 + 1 / log2(3)
    got = evaluate_rated_ranking(model, split.test, k=3)
    assert got == pytest.approx({"ndcg@3": (dcg_1 / ideal_1 + dcg_2 / ideal_2) / 2, "users": 2})
    top_1 = evaluate_rated_ranking(model, split.test, k=1)
    assert top_1["ndcg@1"] == pytest.approx((3 / 31 + 1 / 15) / 2)


def test_evaluate_all_is_one_row_of_the_hand_values(hand):
    model, split = hand
    row = evaluate_all(model, split, k=2, seed=0, num_negatives=1)
    # top 2: user 1 60, 80 (both relevant of 3), user 2 10, 30 (1 of 2 relevant, at rank 1)
    errors = np.array([3.5, 3.0, 0.0, 2.0, 3.0, 0.0, 1.0])
    assert row == pytest.approx(
        {
            "rmse": np.sqrt(np.mean(errors**2)),
            "mae": 12.5 / 7,
            "ndcg@2": (1 + 1 / (1 + 1 / log2(3))) / 2,
            "recall@2": (2 / 3 + 1 / 2) / 2,
            "precision@2": (1 + 1 / 2) / 2,
            "coverage@2": 4 / 8,
            "sampled hit_rate@2": 1.0,  # 2 candidates per pair
        }
    )
    model.predicts_ratings = False  # a ranking-only model gets no rating error
    assert set(evaluate_all(model, split, k=2, seed=0, sampled=False)) == {
        "ndcg@2",
        "recall@2",
        "precision@2",
        "coverage@2",
    }
