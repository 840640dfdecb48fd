"""What every Keras model of the kit shares: training settings, and saving the whole recommender in one file.

A Keras recommender is two things: the network (weights) and what it needs to be used — the id encoders,
the items each user has seen, the training ratings some models read at prediction time. `KerasRecommender`
keeps both in one `.keras` file: the network is a `StatefulNetwork`, whose `state` dict of numpy arrays is
written into the archive's assets (plain `.npz`, no pickle), so loading works with `safe_mode=True`.

>>> model = AutoRec(hidden_units=500).fit(train, config=TrainConfig(epochs=20, seed=42))   # doctest: +SKIP
>>> model.save("autorec.keras"); same = AutoRec.load("autorec.keras")                      # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import scipy.sparse as sp

from recsys_lab.data.dataset import check_ratings
from recsys_lab.data.ids import IdEncoder
from recsys_lab.methods.recommender import Recommender

OPTIMIZERS = ("adam", "sgd", "momentum", "lazy_adam")


@dataclass(frozen=True)
class TrainConfig:
    """How to train (the architecture lives in the model's constructor).

    Attributes:
        epochs: passes over the training data.
        batch_size: examples per gradient step.
        learning_rate: step size of the optimizer.
        optimizer: "adam", "sgd", "momentum" (SGD with momentum 0.9) or "lazy_adam" (Adam that moves only the
            embedding rows a batch touched: an epoch then costs what its ratings cost, whatever the tables'
            size; see `recsys_lab.models.sparse`).
        seed: seeds Keras (weights, dropout, shuffling); the same seed gives the same model on CPU.
        verbose: passed to `keras.Model.fit` (0: Keras prints nothing; `progress` shows one line instead).
        steps_per_execution: gradient steps per call into TensorFlow. The same steps either way, but a small
            model spends most of a step on that call: 8 trains the §3.4 MLP about 1.5-2x faster on a CPU.
        progress: show one line that follows training (`Progress`: epoch k/N, the loss, val_rmse, seconds)
            and ends as a one-line summary. Off for tests and timings; also off when `verbose` is set, as
            Keras then prints its own.
    """

    epochs: int = 20
    batch_size: int = 256
    learning_rate: float = 1e-3
    optimizer: str = "adam"
    seed: int = 42
    verbose: int = 0
    steps_per_execution: int = 1
    progress: bool = True

    def __post_init__(self):
        if min(self.epochs, self.batch_size, self.steps_per_execution) < 1 or not self.learning_rate > 0:
            raise ValueError(
                f"epochs, batch_size and steps_per_execution must be >= 1 and learning_rate > 0; got {self}"
            )
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {self.optimizer!r}")

    def make_optimizer(self) -> keras.optimizers.Optimizer:
        if self.optimizer == "adam":
            return keras.optimizers.Adam(self.learning_rate)
        if self.optimizer == "lazy_adam":
            from recsys_lab.models.sparse import LazyAdam

            return LazyAdam(self.learning_rate)
        return keras.optimizers.SGD(self.learning_rate, momentum=0.9 if self.optimizer == "momentum" else 0.0)


class StatefulNetwork(keras.Model):
    """A Keras model that also carries numpy arrays (`self.state`) inside its `.keras` file."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.state: dict[str, np.ndarray] = {}

    def save_assets(self, dir_path):
        np.savez(os.path.join(dir_path, "recommender_state.npz"), **self.state)

    def load_assets(self, dir_path):
        with np.load(os.path.join(dir_path, "recommender_state.npz"), allow_pickle=False) as f:
            self.state = {name: f[name] for name in f.files}


class KerasRecommender(Recommender):
    """A `Recommender` whose model is a `StatefulNetwork`; adds `save` and `load`.

    Subclasses set `self.network` in `_fit`, and may extend `_state` / `_restore` with their own arrays.
    """

    network: StatefulNetwork

    def _state(self) -> dict[str, np.ndarray]:
        seen = self.seen.tocsr()
        return {
            "user_ids": self.user_encoder.ids,
            "item_ids": self.item_encoder.ids,
            "seen_indptr": seen.indptr,
            "seen_indices": seen.indices,
            "global_mean": np.array(self.global_mean),
            "rating_scale": np.array(self.rating_scale, dtype=np.float64),
        }

    def _restore(self, state: dict[str, np.ndarray]) -> None:
        self.user_encoder = IdEncoder(state["user_ids"], "user_id")
        self.item_encoder = IdEncoder(state["item_ids"], "item_id")
        shape = (len(self.user_encoder), len(self.item_encoder))
        indices = state["seen_indices"]
        self.seen = sp.csr_matrix((np.ones(len(indices), bool), indices, state["seen_indptr"]), shape=shape)
        self.global_mean = float(state["global_mean"])
        self.rating_scale = tuple(float(v) for v in state["rating_scale"])

    def _train(self, *data, loss=None, **fit_kwargs) -> None:
        """Compile `self.network` with the config's optimizer and `loss`, fit it on `data`, keep the history.

        A `validation` ratings table given to `fit` is scored after every epoch and logged as `val_rmse`;
        `callbacks` given to `fit` run after it, then the progress line (`config.progress`). Cached
        predictions are cleared at the end.
        """
        self.network.compile(
            optimizer=self.config.make_optimizer(),
            loss=loss,
            steps_per_execution=self.config.steps_per_execution,
        )
        callbacks = list(self._callbacks) + progress_callbacks(self.config, getattr(self, "name", ""))
        if getattr(self, "_validation", None) is not None:
            callbacks.insert(0, ValidationRMSE(self, self._validation))
        history = self.network.fit(
            *data, epochs=self.config.epochs, verbose=self.config.verbose, callbacks=callbacks, **fit_kwargs
        )
        self.history = history.history
        self.clear_cache()

    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted recommender to one `.keras` file (network, encoders, training state)."""
        self._check_fitted()
        path = Path(path)
        if path.suffix != ".keras":
            raise ValueError(f"save to a file ending in .keras (the Keras 3 format); got {path.name!r}")
        self.network.state = {**self._state(), "model_class": np.array(type(self).__name__)}
        self.network.save(path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> KerasRecommender:
        """Load a recommender saved by `save`, with Keras' `safe_mode` on (no arbitrary code runs).

        The network comes back uncompiled: predicting needs no loss or optimizer (`fit` builds a new network),
        so a model trained with a loss of your own loads without it.
        """
        network = keras.saving.load_model(path, safe_mode=True, compile=False)
        if not isinstance(network, StatefulNetwork) or not network.state:
            raise ValueError(f"{path} does not hold a recsys_lab recommender saved with .save()")
        held = str(network.state.get("model_class", ""))
        kinds = {k.__name__: k for k in _subclasses(KerasRecommender)}
        if cls is KerasRecommender and held in kinds:  # the base class loads whatever the file holds
            cls = kinds[held]
        if held and held != cls.__name__:
            raise ValueError(f"{path} holds a {held}, not a {cls.__name__}: load it with {held}.load(path)")
        model = cls.__new__(cls)
        model.network = network
        try:
            model._restore(network.state)
        except KeyError as missing:  # a file saved before model_class was written, by another model
            raise ValueError(
                f"{path} holds a {type(network).__name__} network, which a {cls.__name__} cannot read "
                f"({missing} missing): load it with the class that saved it"
            ) from None
        return model


def checked_validation(validation, rating_scale=None):
    """A `validation=` table checked as `fit` checks its training table (`check_ratings`), or None.

    Called before a model changes anything, so a bad table leaves the model as it was.
    """
    return (
        None
        if validation is None
        else check_ratings(validation, rating_scale=rating_scale, what="validation")
    )


def sparse_row_batches(matrix: sp.csr_matrix, batch_size: int, seed: int, *, unrated_target: float = 0.0):
    """A tf.data pipeline of (inputs, targets) batches cut from a sparse matrix, densified one batch at a time.

    Both are the rows; entries not stored in `matrix` are 0 in the inputs and `unrated_target` in the targets
    (NaN lets a loss tell a stored 0, an observed rating of 0, from an unrated entry). Memory grows with the
    batch (batch_size × width floats), not with the whole matrix; rows are reshuffled every epoch with a
    seeded order.
    """
    import tensorflow as tf

    coo = matrix.tocoo()
    rows = tf.sparse.reorder(
        tf.SparseTensor(np.c_[coo.row, coo.col].astype(np.int64), coo.data.astype(np.float32), matrix.shape)
    )
    return (
        tf.data.Dataset.from_tensor_slices(rows)
        .shuffle(matrix.shape[0], seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .map(
            lambda batch: (tf.sparse.to_dense(batch), tf.sparse.to_dense(batch, default_value=unrated_target))
        )
        .prefetch(2)
    )


def _subclasses(cls) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


class ValidationRMSE(keras.callbacks.Callback):
    """After each epoch, the RMSE on a ratings table, logged as `name` (`val_rmse`; e.g. `train_rmse` for a
    sample of the training ratings, to draw train and validation curves side by side)."""

    def __init__(self, model: Recommender, validation, name: str = "val_rmse"):
        super().__init__()
        validation = check_ratings(validation, what=name)  # NaN or string ids would give val_rmse = nan
        self.recommender, self.validation, self.name = model, validation, name

    def on_epoch_end(self, epoch, logs=None):
        self.recommender.clear_cache()
        pred = self.recommender.predict(
            self.validation["user_id"].to_numpy(), self.validation["item_id"].to_numpy()
        )
        error = pred - self.validation["rating"].to_numpy(np.float64)
        if logs is not None:
            logs[self.name] = float(np.sqrt(np.mean(error**2)))


class EpochTimer(keras.callbacks.Callback):
    """Wall-clock and CPU seconds (all of this process's threads) of every epoch, for throughput and scale."""

    def __init__(self):
        super().__init__()
        self.seconds, self.cpu_seconds = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start[0])
        self.cpu_seconds.append(time.process_time() - self._start[1])

    def median(self) -> tuple[float, float]:
        """Median wall and CPU seconds over the epochs after the first (which also traces the graph); the
        first alone when only one ran."""
        return tuple(float(np.median(t[1:] or t)) for t in (self.seconds, self.cpu_seconds))


def notebook_display():
    """IPython's `display` when this runs in a Jupyter kernel (JupyterLab, Colab, VS Code, nbval), else None."""
    ipython = sys.modules.get("IPython")  # never imported here: a kernel has imported it already
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "kernel"):
        return None
    from IPython.display import display

    return display


class _Line:
    """One line of plain text for `display` (text/plain, shown as is: a str would be shown with quotes)."""

    def __init__(self, text: str):
        self.text = text

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.text}

    def __repr__(self) -> str:
        return self.text


class Progress(keras.callbacks.Callback):
    """One line that follows training, then sums it up: what a learner sees while a model trains.

        biased MF: epoch 7/20, loss 0.8312, val_rmse 0.9254, 2.8 s
        biased MF: 20 epochs in 7.9 s, loss 1.094 → 0.7012, val_rmse 0.9188 (best 0.9171, epoch 14)

    In a Jupyter kernel the line is one display, updated in place (one output per fit, whatever the epochs);
    in a terminal it is rewritten with `\\r` on stdout; on a stdout that is not a terminal (a log file, a
    pipe) only the summary is written. It is updated at the end of an epoch, at most every `min_interval`
    seconds, and has no batch hooks, which would stop Keras from dispatching callbacks asynchronously: it
    costs training nothing measurable. `TrainConfig(progress=True)` (the default) adds one to every fit.
    """

    def __init__(self, label: str = "", *, min_interval: float = 0.25):
        super().__init__()
        self.label, self.min_interval = label or "training", min_interval
        self.text = ""

    def on_train_begin(self, logs=None):
        self.epochs = (self.params or {}).get("epochs") or 0
        self.done, self.first, self.last, self.best = 0, {}, {}, None
        self._start = time.perf_counter()
        self._shown = -math.inf
        self._width = 0
        self._display, self._handle = notebook_display(), None
        self._stream = sys.stdout
        isatty = getattr(self._stream, "isatty", None)
        self._dynamic = self._display is not None or bool(isatty and isatty())
        self._show(f"{self.label}: epoch 0/{self.epochs} ...")

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: v for k, v in (logs or {}).items() if isinstance(v, (int, float))}
        self.done = epoch + 1
        self.first = self.first or logs
        self.last = logs
        if "val_rmse" in logs and (self.best is None or logs["val_rmse"] < self.best[0]):
            self.best = (logs["val_rmse"], self.done)
        now = time.perf_counter()
        if now - self._shown >= self.min_interval:
            self._show(self.line(now - self._start), now=now)

    def on_train_end(self, logs=None):
        self._show(self.summary(time.perf_counter() - self._start), final=True)

    def line(self, seconds: float) -> str:
        """The line while training: epoch k/N, the loss and what else was logged, the seconds so far."""
        values = "".join(f", {name} {value:.4g}" for name, value in self._ordered(self.last))
        return f"{self.label}: epoch {self.done}/{self.epochs}{values}, {seconds:.1f} s"

    def summary(self, seconds: float) -> str:
        """The last line: epochs run, seconds, the loss from the first epoch to the last, the last val_rmse."""
        text = f"{self.label}: {self.done} epoch{'s' * (self.done != 1)} in {seconds:.1f} s"
        if "loss" in self.last:
            text += f", loss {self.first['loss']:.4g} → {self.last['loss']:.4g}"
        for name, value in self._ordered(self.last):
            if name != "loss":
                text += f", {name} {value:.4g}"
                if name == "val_rmse" and self.best is not None and self.best[1] != self.done:
                    text += f" (best {self.best[0]:.4g}, epoch {self.best[1]})"
        return text

    @staticmethod
    def _ordered(logs: dict) -> list[tuple[str, float]]:
        return sorted(logs.items(), key=lambda item: item[0] != "loss")  # the loss first, then as logged

    def _show(self, text: str, *, final: bool = False, now: float | None = None) -> None:
        self.text, self._shown = text, now if now is not None else time.perf_counter()
        if self._display is not None:
            if self._handle is None:
                self._handle = self._display(_Line(text), display_id=True)
            else:
                self._handle.update(_Line(text))
            return
        if not (self._dynamic or final):
            return
        pad = " " * max(self._width - len(text), 0)  # the rest of a longer line written before
        self._width = len(text)
        out = ("\r" if self._dynamic else "") + text + pad + ("\n" if final else "")
        try:
            self._stream.write(out)
        except UnicodeEncodeError:  # a stdout that cannot encode the arrow (a Windows code page)
            self._stream.write(out.replace("→", "->"))
        self._stream.flush()


def progress_callbacks(config: TrainConfig, label: str) -> list[keras.callbacks.Callback]:
    """`[Progress(label)]` when `config.progress` is on and Keras prints nothing itself (`verbose` 0)."""
    return [Progress(label)] if config.progress and not config.verbose else []
