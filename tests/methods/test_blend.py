"""The blend against numpy's least squares, and its errors at the edge."""

import numpy as np
import pandas as pd
import pytest

from recsys_lab.data.dataset import DataError
from recsys_lab.data.synthetic import make_synthetic
from recsys_lab.methods.baselines import BiasBaseline, GlobalMean, Popularity
from recsys_lab.methods.blend import Blend, fit_blend, fit_weights


@pytest.fixture(scope="module")
def synthetic():
    return make_synthetic(num_users=150, num_items=120, num_ratings=6_000, poster_size=None, seed=2)


def test_weights_match_lstsq_and_refuse_too_few_or_nan():
    rng = np.random.default_rng(1)
    predictions = rng.normal(3.5, 0.5, size=(50, 3))
    truth = 0.4 + predictions @ np.array([0.5, 0.3, 0.1]) + rng.normal(0, 0.1, 50)
    expected, *_ = np.linalg.lstsq(np.column_stack([np.ones(50), predictions]), truth, rcond=None)
    np.testing.assert_allclose(fit_weights(predictions, truth), expected, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="n > m"):
        fit_weights(predictions[:4], truth[:4])
    predictions[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fit_weights(predictions, truth)


@pytest.fixture
def halves(synthetic):
    ratings = synthetic.ratings.sample(frac=1.0, random_state=0)
    cut = int(0.8 * len(ratings))
    return ratings.iloc[:cut], ratings.iloc[cut:]


class Known:
    """A fitted-model stand-in whose predictions are given by hand: `table[(user_id, item_id)]`."""

    rating_scale = (1.0, 5.0)

    def __init__(self, table: dict):
        self.table = table

    def predict(self, user_id, item_id):
        return np.array([self.table[(u, i)] for u, i in zip(user_id, item_id, strict=True)], float)


def test_blend_recovers_exact_weights_and_clips_its_predictions():
    # validation ratings built as exactly 1 + 0.5 a - 0.25 b, so least squares must find w = (1, 0.5, -0.25)
    pairs = [(1, 10), (1, 20), (2, 10), (2, 30), (3, 20), (3, 30)]
    a, b = [1.0, 2.0, 3.0, 4.0, 5.0, 3.0], [2.0, 2.0, 4.0, 4.0, 1.0, 5.0]
    truth = [1.0, 1.5, 1.5, 2.0, 3.25, 1.25]  # 1 + a/2 - b/4, worked out by hand
    new = [(4, 10), (4, 20), (4, 30)]  # pairs to predict: a, b = (9, 1), (0, 8), (4, 2)
    models = {
        "a": Known(dict(zip(pairs + new, [*a, 9.0, 0.0, 4.0], strict=True))),
        "b": Known(dict(zip(pairs + new, [*b, 1.0, 8.0, 2.0], strict=True))),
    }
    users, items = zip(*pairs, strict=True)
    validation = pd.DataFrame({"user_id": users, "item_id": items, "rating": truth})
    blend = fit_blend(models, validation)
    np.testing.assert_allclose(blend.weights, [1.0, 0.5, -0.25], atol=1e-12)
    assert blend.weight_table.to_dict() == pytest.approx({"intercept": 1.0, "a": 0.5, "b": -0.25})
    np.testing.assert_allclose(blend.predict(users, items), truth, atol=1e-12)
    # 1 + 4.5 - 0.25 = 5.25 -> 5; 1 + 0 - 2 = -1 -> 1; 1 + 2 - 0.5 = 2.5
    np.testing.assert_allclose(blend.predict([4, 4, 4], [10, 20, 30]), [5.0, 1.0, 2.5], atol=1e-12)


def test_blend_weights_are_numpys_least_squares_and_beat_its_parts(halves, synthetic):
    train, validation = halves
    models = {
        "bias": BiasBaseline().fit(train, rating_scale=synthetic.rating_scale),
        "popularity": Popularity().fit(train, rating_scale=synthetic.rating_scale),
    }
    before = validation.copy()
    blend = fit_blend(models, validation)
    pd.testing.assert_frame_equal(validation, before)  # input untouched
    users, items = validation["user_id"].to_numpy(), validation["item_id"].to_numpy()
    parts = np.column_stack([m.predict(users, items) for m in models.values()])
    truth = validation["rating"].to_numpy(float)
    reference, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(truth)), parts]), truth, rcond=None)
    np.testing.assert_allclose(blend.weights, reference, rtol=1e-8)
    low, high = synthetic.rating_scale
    np.testing.assert_allclose(
        blend.predict(users, items), np.clip(reference[0] + parts @ reference[1:], low, high), rtol=1e-8
    )
    assert list(blend.weight_table.index) == ["intercept", "bias", "popularity"]
    error = lambda pred: np.sqrt(np.mean((truth - pred) ** 2))  # noqa: E731
    # least squares on these very ratings: never worse than any part (a part is one choice of weights)
    assert error(blend.predict(users, items)) <= min(error(parts[:, j]) for j in range(2)) + 1e-12


def test_blend_errors_say_what_is_wrong(halves):
    train, validation = halves
    with pytest.raises(ValueError, match="at least one"):
        fit_blend({}, validation)
    models = {"mean": GlobalMean().fit(train)}
    with pytest.raises(DataError, match="rating"):
        fit_blend(models, validation.drop(columns="rating"))
    assert isinstance(fit_blend(models, validation), Blend)


@pytest.fixture(scope="module")
def rankers(synthetic):
    from recsys_lab import splits
    from recsys_lab.methods.ease import EASE

    split = splits.random_split(synthetic.ratings, 0.2, seed=0, by_user=True)
    return split, Popularity().fit(split.train), EASE(l2=50.0).fit(split.train)


def test_score_blend_adds_standardised_scores_and_scores_pairs_alike(rankers):
    from recsys_lab.methods.blend import ScoreBlend

    _, popularity, ease = rankers
    users = np.arange(5)
    z = lambda s: (s - s.mean(1, keepdims=True)) / s.std(1, keepdims=True)  # noqa: E731
    expected = z(popularity.score_items(users)) + 0.4 * z(ease.score_items(users))
    blend = ScoreBlend(popularity, ease, 0.4)
    np.testing.assert_allclose(blend.score_items(users), expected, rtol=1e-10, atol=1e-12)
    u, i = np.array([3, 0, 3, 4]), np.array([7, 2, 1, 0])
    np.testing.assert_allclose(blend.score_pairs(u, i), expected[u, i], rtol=1e-10, atol=1e-12)
    alone = ScoreBlend(ease, popularity, 0.0).score_items(users)
    assert (np.argsort(-alone, axis=1)[:, :10] == np.argsort(-ease.score_items(users), axis=1)[:, :10]).all()


def test_fit_score_blend_keeps_the_best_alpha_on_validation_and_refuses_mixed_tables(rankers, synthetic):
    from recsys_lab.methods.blend import ScoreBlend, fit_score_blend
    from recsys_lab.protocol.evaluation import evaluate_ranking

    split, popularity, ease = rankers
    blend, curve = fit_score_blend(ease, popularity, split, grid=(0.0, 0.5, 2.0))
    by_hand = {
        a: evaluate_ranking(ScoreBlend(ease, popularity, a), split, k=10)["ndcg@10"] for a in (0.0, 0.5, 2.0)
    }
    assert curve == pytest.approx(by_hand) and blend.alpha == max(by_hand, key=by_hand.get)
    other = Popularity().fit(synthetic.ratings.iloc[: len(synthetic.ratings) // 2])
    with pytest.raises(ValueError, match="different"):
        ScoreBlend(ease, other, 0.5)
    with pytest.raises(ValueError, match="grid"):
        fit_score_blend(ease, popularity, split, grid=())
