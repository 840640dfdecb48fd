"""The Keras base every model shares: TrainConfig, saving and loading a whole recommender in one `.keras` file,
the training loop's validation curve and callbacks, sparse row batches, and every model under mixed precision."""

from __future__ import annotations

import dataclasses
import io
import re
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

keras = pytest.importorskip("keras")
from recsys_lab.data.dataset import DataError  # noqa: E402
from recsys_lab.methods.baselines import GlobalMean  # noqa: E402
from recsys_lab.models import base  # noqa: E402
from recsys_lab.models.base import (  # noqa: E402
    EpochTimer,
    Progress,
    TrainConfig,
    ValidationRMSE,
    progress_callbacks,
    sparse_row_batches,
)
from recsys_lab.models.mf import BiasedMF  # noqa: E402
from recsys_lab.models.sparse import LazyAdam  # noqa: E402

# --- TrainConfig ------------------------------------------------------------------------------------------------


def test_train_config_defaults_and_its_optimizers():
    config = TrainConfig()
    assert (config.epochs, config.batch_size, config.learning_rate, config.optimizer, config.seed) == (
        20,
        256,
        1e-3,
        "adam",
        42,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.epochs = 3
    adam = TrainConfig(learning_rate=0.25).make_optimizer()
    assert type(adam) is keras.optimizers.Adam and float(adam.learning_rate) == 0.25
    sgd, momentum = (
        TrainConfig(optimizer=o, learning_rate=0.5).make_optimizer() for o in ("sgd", "momentum")
    )
    assert type(sgd) is keras.optimizers.SGD and sgd.momentum == 0.0 and float(sgd.learning_rate) == 0.5
    assert type(momentum) is keras.optimizers.SGD and momentum.momentum == 0.9
    assert isinstance(TrainConfig(optimizer="lazy_adam").make_optimizer(), LazyAdam)
    assert base.OPTIMIZERS == ("adam", "sgd", "momentum", "lazy_adam")


@pytest.mark.parametrize(
    "bad",
    [
        {"epochs": 0},
        {"batch_size": 0},
        {"steps_per_execution": 0},
        {"learning_rate": 0.0},
        {"learning_rate": -1e-3},
        {"learning_rate": float("nan")},
    ],
)
def test_train_config_refuses_numbers_that_cannot_train(bad):
    with pytest.raises(ValueError, match="must be >= 1 and learning_rate > 0"):
        TrainConfig(**bad)


def test_train_config_names_the_optimizers_it_knows():
    with pytest.raises(
        ValueError, match="optimizer must be one of adam, sgd, momentum, lazy_adam; got 'rmsprop'"
    ):
        TrainConfig(optimizer="rmsprop")


# --- one small fitted model: the training loop, save and load ---------------------------------------------------

_USERS, _ITEMS = np.repeat(np.arange(1, 21), 6), np.tile(np.arange(6), 20)
_KEEP = (_USERS + _ITEMS) % 2 == 0  # 60 ratings: odd users rate items 102, 104, 106, even ones 101, 103, 105
RATINGS = pd.DataFrame(
    {
        "user_id": _USERS[_KEEP],
        "item_id": 101 + _ITEMS[_KEEP],
        "rating": np.array([5.0, 4, 3, 3, 2, 1])[_ITEMS[_KEEP]],
    }
)
VALIDATION = pd.DataFrame(
    {"user_id": [1, 2, 3, 99], "item_id": [102, 101, 104, 101], "rating": [4.0, 5.0, 3.0, 2.0]}
)


@pytest.fixture(scope="module")
def fitted():
    timer = EpochTimer()
    model = BiasedMF(embedding_dim=2).fit(
        RATINGS,
        rating_scale=(1, 5),
        config=TrainConfig(epochs=3, batch_size=16, learning_rate=0.05, seed=0),
        validation=VALIDATION,
        callbacks=[timer],
    )
    return model, timer


def test_the_loop_keeps_the_history_scores_validation_after_every_epoch_and_runs_the_callbacks(fitted):
    model, timer = fitted
    assert set(model.history) == {"loss", "val_rmse"}
    assert len(model.history["loss"]) == len(model.history["val_rmse"]) == 3
    assert model.history["loss"][-1] < model.history["loss"][0]
    # the last epoch's val_rmse is the fitted model's RMSE on the validation table, worked out here
    error = model.predict(VALIDATION["user_id"], VALIDATION["item_id"]) - VALIDATION["rating"].to_numpy()
    assert model.history["val_rmse"][-1] == pytest.approx(np.sqrt(np.mean(error**2)), rel=1e-5)
    assert len(timer.seconds) == len(timer.cpu_seconds) == 3 and min(timer.seconds) > 0


def test_save_and_load_keep_the_encoders_seen_items_mean_and_scale(fitted, tmp_path):
    model, _ = fitted
    same = BiasedMF.load(model.save(tmp_path / "mf.keras"))
    np.testing.assert_array_equal(same.user_encoder.ids, np.arange(1, 21))
    np.testing.assert_array_equal(same.item_encoder.ids, model.item_encoder.ids)
    assert (same.seen != model.seen).nnz == 0 and same.seen.shape == (20, 6) and same.seen.nnz == 60
    assert same.global_mean == model.global_mean == pytest.approx(RATINGS["rating"].mean())
    assert same.rating_scale == (1.0, 5.0) and all(type(v) is float for v in same.rating_scale)
    np.testing.assert_array_equal(
        same.predict(VALIDATION["user_id"], VALIDATION["item_id"]),
        model.predict(VALIDATION["user_id"], VALIDATION["item_id"]),
    )
    assert same.recommend(1, k=3)["item_id"].tolist() == model.recommend(1, k=3)["item_id"].tolist()


def test_save_and_load_refuse_what_is_not_a_fitted_recommender(fitted, tmp_path):
    model, _ = fitted
    with pytest.raises(ValueError, match=r"ending in \.keras.*'mf\.h5'"):
        model.save(tmp_path / "mf.h5")
    with pytest.raises(RuntimeError, match="not fitted"):
        BiasedMF().save(tmp_path / "unfitted.keras")
    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    plain.save(tmp_path / "plain.keras")
    with pytest.raises(ValueError, match="does not hold a recsys_lab recommender"):
        BiasedMF.load(tmp_path / "plain.keras")


def test_loading_with_the_wrong_class_names_the_class_the_file_holds(fitted, tmp_path):
    """BiasedMF's file loaded as an AutoRec used to raise a bare KeyError('embedding_dim')."""
    from recsys_lab.models.autorec import AutoRec
    from recsys_lab.models.base import KerasRecommender

    model, _ = fitted
    path = model.save(tmp_path / "mf.keras")
    with pytest.raises(ValueError, match=r"holds a BiasedMF, not a AutoRec: load it with BiasedMF\.load"):
        AutoRec.load(path)
    assert type(KerasRecommender.load(path)) is BiasedMF  # the base class loads whatever the file holds


def test_a_file_without_its_class_name_still_gets_a_clear_message(fitted, tmp_path):
    from recsys_lab.models.autorec import AutoRec

    model, _ = fitted
    model.network.state = {k: v for k, v in model._state().items()}  # as files saved before model_class
    model.network.save(tmp_path / "old.keras")
    with pytest.raises(ValueError, match=r"holds a MFNetwork network, which a AutoRec cannot read"):
        AutoRec.load(tmp_path / "old.keras")
    assert isinstance(BiasedMF.load(tmp_path / "old.keras"), BiasedMF)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"rating": [4.0, np.nan, 3.0, 2.0]}, "validation: 1 rating"),
        ({"user_id": ["a", 2, 3, 99]}, "user_id"),
    ],
)
def test_a_bad_validation_table_is_refused_before_the_model_changes(fitted, bad, message):
    """One NaN used to give val_rmse = [nan, nan]; string ids numpy's raw 'invalid literal for int()'."""
    model, _ = fitted
    before = model.predict(VALIDATION["user_id"], VALIDATION["item_id"])
    history, config = model.history, model.config
    with pytest.raises(DataError, match=message):
        model.fit(RATINGS, rating_scale=(1, 5), config=TINY, validation=VALIDATION.assign(**bad))
    np.testing.assert_array_equal(model.predict(VALIDATION["user_id"], VALIDATION["item_id"]), before)
    assert model.history is history and model.config is config  # nothing half-fitted
    with pytest.raises(DataError, match="train_rmse"):
        ValidationRMSE(model, VALIDATION.assign(**bad), "train_rmse")


# --- callbacks and batches, by hand -------------------------------------------------------------------------------


def test_validation_rmse_is_the_rmse_of_the_predictions():
    class Counting(GlobalMean):
        cleared = 0

        def clear_cache(self):
            self.cleared += 1

    model = Counting().fit(
        pd.DataFrame({"user_id": [1, 2, 3], "item_id": [1, 1, 2], "rating": [1.0, 5.0, 3.0]})
    )
    validation = pd.DataFrame({"user_id": [1, 2, 9], "item_id": [2, 2, 2], "rating": [4.0, 2.0, 3.0]})
    logs = {}
    ValidationRMSE(model, validation).on_epoch_end(0, logs)
    assert logs == {"val_rmse": pytest.approx(np.sqrt((1 + 1 + 0) / 3))}  # μ = 3 against 4, 2, 3
    ValidationRMSE(model, validation, name="train_rmse").on_epoch_end(1, logs)
    assert set(logs) == {"val_rmse", "train_rmse"} and logs["train_rmse"] == logs["val_rmse"]
    ValidationRMSE(model, validation).on_epoch_end(2, None)  # Keras may pass no logs: nothing to write
    assert model.cleared == 3  # predictions are recomputed from the weights of the epoch just ended


def test_epoch_timer_median_leaves_out_the_first_epoch():
    timer = EpochTimer()
    timer.seconds, timer.cpu_seconds = [10.0, 1.0, 3.0, 2.0], [20.0, 2.0, 2.0, 8.0]
    assert timer.median() == (2.0, 2.0)
    timer.seconds, timer.cpu_seconds = [4.0], [6.0]
    assert timer.median() == (4.0, 6.0)


def test_sparse_row_batches_are_the_rows_densified_shuffled_by_seed():
    rng = np.random.default_rng(0)
    dense = (rng.random((30, 7)) < 0.3) * rng.integers(1, 6, (30, 7)).astype(np.float32)
    dense[:, 0] = np.arange(30)  # column 0 names the row
    matrix = sp.csr_matrix(dense)

    def epochs(seed, count):
        batches = sparse_row_batches(matrix, batch_size=8, seed=seed)
        return [[(x.numpy(), y.numpy()) for x, y in batches] for _ in range(count)]

    first, second = epochs(seed=3, count=2)
    for epoch in (first, second):
        assert [x.shape for x, _ in epoch] == [(8, 7), (8, 7), (8, 7), (6, 7)]
        assert all(np.array_equal(x, y) for x, y in epoch)  # the target is the input (an autoencoder's)
        rows = np.concatenate([x for x, _ in epoch])
        np.testing.assert_array_equal(rows, dense[rows[:, 0].astype(int)])  # whole rows, densified exactly
        assert sorted(rows[:, 0]) == list(range(30))  # every row once per epoch
    order = [np.concatenate([x for x, _ in epoch])[:, 0] for epoch in (first, second)]
    assert not np.array_equal(order[0], order[1])  # reshuffled every epoch
    again = np.concatenate([x for x, _ in epochs(seed=3, count=1)[0]])[:, 0]
    np.testing.assert_array_equal(again, order[0])  # the same seed gives the same order
    assert not np.array_equal(order[0], np.arange(30))


# --- the progress line ---------------------------------------------------------------------------------------------

TINY = TrainConfig(epochs=2, batch_size=16, learning_rate=0.05, seed=0)
SUMMARY = re.compile(r"^biased MF: 2 epochs in \d+\.\d s, loss \d\.\d+ → \d\.\d+$")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_on_by_default_and_can_be_turned_off():
    assert TrainConfig().progress is True and TrainConfig().verbose == 0
    assert [type(c) for c in progress_callbacks(TrainConfig(), "x")] == [Progress]
    assert progress_callbacks(TrainConfig(progress=False), "x") == []
    assert progress_callbacks(TrainConfig(verbose=1), "x") == []  # Keras prints its own progress bar
    assert base.notebook_display() is None  # pytest is no Jupyter kernel
    assert dataclasses.replace(TINY, progress=False) != TINY and dataclasses.replace(TINY) == TINY


def test_progress_in_a_terminal_rewrites_one_line_and_ends_with_a_summary(monkeypatch):
    monkeypatch.setattr(sys, "stdout", Terminal())
    model = BiasedMF(embedding_dim=2).fit(RATINGS, rating_scale=(1, 5), config=TINY)
    out = sys.stdout.getvalue()
    assert out.startswith("\rbiased MF: epoch 0/2 ...") and out.endswith("\n") and out.count("\n") == 1
    last = out.rsplit("\r", 1)[1].rstrip()  # what the terminal shows at the end
    assert SUMMARY.match(last), last
    first, final = model.history["loss"][0], model.history["loss"][-1]
    assert f"loss {first:.4g} → {final:.4g}" in last


def test_progress_off_prints_nothing(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", Terminal())
    BiasedMF(embedding_dim=2).fit(
        RATINGS, rating_scale=(1, 5), config=dataclasses.replace(TINY, progress=False)
    )
    assert sys.stdout.getvalue() == ""


def test_progress_on_a_stdout_that_is_no_terminal_writes_only_the_summary(capsys):
    BiasedMF(embedding_dim=2).fit(RATINGS, rating_scale=(1, 5), config=TINY, validation=VALIDATION)
    out = capsys.readouterr().out
    assert "\r" not in out and out.count("\n") == 1
    assert re.match(r"biased MF: 2 epochs in \d+\.\d s, loss \S+ → \S+, val_rmse \d\.\d+", out), out


def test_progress_in_a_notebook_updates_one_display(monkeypatch, capsys):
    shown = []

    class Handle:
        def update(self, obj):
            shown.append(("update", obj._repr_mimebundle_()["text/plain"]))

    def display(obj, display_id=False):
        assert display_id is True
        shown.append(("display", obj._repr_mimebundle_()["text/plain"]))
        return Handle()

    monkeypatch.setattr(base, "notebook_display", lambda: display)
    BiasedMF(embedding_dim=2).fit(RATINGS, rating_scale=(1, 5), config=dataclasses.replace(TINY, epochs=5))
    assert capsys.readouterr().out == ""  # nothing printed: the display is the output
    kinds = [kind for kind, _ in shown]
    assert kinds[0] == "display" and set(kinds[1:]) == {"update"}  # one display, updated in place
    assert (
        shown[0][1] == "biased MF: epoch 0/5 ..." and len(shown) <= 7
    )  # at most once per epoch, + start, end
    assert re.match(r"biased MF: 5 epochs in \d+\.\d s, loss ", shown[-1][1])


def test_progress_lines_by_hand():
    progress = Progress("I-AutoRec", min_interval=0.0)
    progress.set_params({"epochs": 3})
    stream = Terminal()
    progress.on_train_begin()
    progress._stream, progress._dynamic = stream, True  # as in a terminal
    progress.on_epoch_end(0, {"loss": 1.25, "val_rmse": 0.98765})
    assert re.fullmatch(r"I-AutoRec: epoch 1/3, loss 1\.25, val_rmse 0\.9877, \d+\.\d s", progress.text)
    progress.on_epoch_end(1, {"loss": 1.0, "val_rmse": 0.9})
    progress.on_epoch_end(2, {"loss": 0.75, "val_rmse": 0.95})
    progress.on_train_end()
    assert re.fullmatch(
        r"I-AutoRec: 3 epochs in \d+\.\d s, loss 1\.25 → 0\.75, val_rmse 0\.95 \(best 0\.9, epoch 2\)",
        progress.text,
    )
    assert stream.getvalue().count("\r") == 4 and stream.getvalue().endswith("\n")


# --- every model under mixed precision ------------------------------------------------------------------------------
# Every model trains under mixed_float16 (a CPU runs the policy too, slowly): custom arithmetic that mixes
# float16 activations with float32 terms casts to float32 first.


@pytest.mark.slow
@pytest.mark.parametrize(
    "model",
    [
        "autorec",
        "mf",
        "two_tower",
        "regression",
    ],
)
def test_models_train_under_mixed_precision(model, float32_policy):
    import keras
    import numpy as np

    from recsys_lab import splits
    from recsys_lab.data.synthetic import make_synthetic
    from recsys_lab.models.autorec import AutoRec
    from recsys_lab.models.base import TrainConfig
    from recsys_lab.models.mf import BiasedMF
    from recsys_lab.models.regression import MLPRegression
    from recsys_lab.models.two_tower import TwoTower

    world = make_synthetic(seed=0)
    train = splits.rating_split(world, seed=0).train
    config = TrainConfig(epochs=1, batch_size=512, seed=0)
    keras.mixed_precision.set_global_policy("mixed_float16")
    if model == "autorec":
        fitted = AutoRec(hidden_units=16).fit(train, rating_scale=world.rating_scale, config=config)
    elif model == "mf":
        fitted = BiasedMF(8).fit(train, rating_scale=world.rating_scale, config=config)
    elif model == "regression":
        fitted = MLPRegression(8, (16,)).fit(train, users=world.users, items=world.items, config=config)
    else:
        fitted = TwoTower(8, 8).fit(train, users=world.users, items=world.items, config=config)
    assert np.isfinite(fitted.history["loss"]).all()
