"""evaluate_* glue: the same numbers as the metric functions applied by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lab import splits
from recsys_lab.methods.baselines import BiasBaseline, GlobalMean, Popularity
from recsys_lab.protocol.evaluation import compare, evaluate_ranking, evaluate_ratings, evaluate_sampled


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
