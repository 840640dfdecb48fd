"""Shared fixtures: real MovieLens through the offline mirror when one is set, else the synthetic world.

CI sets RECSYS_LAB_MIRROR to ../shared/movielens; tests that need a specific release skip with the reason
when it is absent (the skip is listed in the summary, never silent), and tests that only need *some*
realistic data use `dataset`, which falls back to the synthetic world and says so in the report header.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from .helpers import MIRROR, mirror_has

# Property tests (tests/*/test_*_properties.py): few examples, drawn the same way on every run, so the fast suite
# stays fast and a CI failure reproduces on any machine. No example database is written (git status stays
# clean). HYPOTHESIS_PROFILE=thorough searches harder, with fresh random draws, before a release.
settings.register_profile("recsys-lab", max_examples=50, deadline=None, derandomize=True, database=None)
settings.register_profile(
    "thorough", settings.get_profile("recsys-lab"), max_examples=1_000, derandomize=False
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "recsys-lab"))


def pytest_report_header(config):
    if not MIRROR:
        return [
            "recsys-lab data: RECSYS_LAB_MIRROR is not set: real-data tests are skipped and the "
            "notebooks run on the synthetic world"
        ]
    from recsys_lab.data.movielens import load_movielens

    ds = load_movielens("ml-100k")
    return [f"recsys-lab data: {ds!r}"]


@pytest.fixture(scope="session")
def ml100k():
    if not mirror_has("ml-100k"):
        pytest.skip("needs ml-100k: set RECSYS_LAB_MIRROR to a folder holding ml-100k/ or ml-100k.zip")
    from recsys_lab.data.movielens import load_movielens

    return load_movielens("ml-100k")


@pytest.fixture(scope="session")
def ml_latest_small(tmp_path_factory):
    if not mirror_has("ml-latest-small"):
        pytest.skip("needs ml-latest-small: set RECSYS_LAB_MIRROR to a folder holding ml-latest-small.zip")
    from recsys_lab.data.movielens import load_movielens

    return load_movielens("ml-latest-small", data_home=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def dataset():
    """ml-100k when the mirror has it, else the synthetic world (same shape, known truth)."""
    if mirror_has("ml-100k"):
        from recsys_lab.data.movielens import load_movielens

        return load_movielens("ml-100k")
    from recsys_lab.data.synthetic import make_synthetic

    return make_synthetic(seed=0)


@pytest.fixture(autouse=True)
def _plotly_prints_instead_of_opening_a_browser(monkeypatch):
    """Outside a kernel, fig.show() would try a web browser; in tests it prints the figure's JSON instead."""
    import plotly.io as pio

    monkeypatch.setattr(pio.renderers, "default", "json")


@pytest.fixture
def screen(monkeypatch):
    """What widgets show outside a kernel, in order: each figure `.show()`n and each object `display`ed.

    Printed text still goes to stdout (read it with capsys)."""
    import IPython.display
    import plotly.graph_objects as go

    shown = []
    monkeypatch.setattr(go.Figure, "show", lambda self, *args, **kwargs: shown.append(self))
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kwargs: shown.extend(objs))
    return shown


# --- fixtures several test modules share -------------------------------------------------------------------
# Built once per session. Test modules that call a world `world` (or a model `mf`) say which one they mean with
# a small module fixture, e.g. `def world(cnn_world): return cnn_world`: each chapter's world is different.


@pytest.fixture(scope="session")
def tour_world():
    """A small world for the data-tour figures and explorers (ui/test_viz.py, ui/test_widgets.py)."""
    from recsys_lab.data.synthetic import make_synthetic

    return make_synthetic(num_users=120, num_items=200, num_ratings=4_000, poster_size=None, seed=1)


@pytest.fixture(scope="session")
def inner_product_world():
    """§3.3's world: the MF and the two-tower below are trained on it (models/test_mf.py, test_two_tower.py,
    ui/test_viz_embeddings.py, ui/test_widgets_embeddings.py)."""
    from recsys_lab.data.synthetic import make_synthetic

    return make_synthetic(num_users=300, num_items=400, num_ratings=24_000, poster_size=None, seed=3)


@pytest.fixture(scope="session")
def world_split(inner_product_world):
    from recsys_lab import splits

    return splits.random_split(inner_product_world, 0.2, seed=0)


@pytest.fixture(scope="session")
def inner_product_mf(inner_product_world, world_split):
    pytest.importorskip("keras")
    from recsys_lab.models.base import TrainConfig
    from recsys_lab.models.mf import BiasedMF

    config = TrainConfig(epochs=12, batch_size=1024, learning_rate=1e-2, seed=7)
    return BiasedMF(embedding_dim=16, l2=0.05).fit(
        world_split.train, rating_scale=inner_product_world.rating_scale, config=config
    )


@pytest.fixture(scope="session")
def ranking_split(inner_product_world):
    from recsys_lab import splits

    return splits.ranking_split(inner_product_world, seed=0)


@pytest.fixture(scope="session")
def two_tower(inner_product_world, ranking_split):
    pytest.importorskip("keras")
    from recsys_lab.models.base import TrainConfig
    from recsys_lab.models.two_tower import TwoTower

    world = inner_product_world
    config = TrainConfig(epochs=6, batch_size=512, learning_rate=5e-3, seed=5)
    return TwoTower(16, 16).fit(ranking_split.train, users=world.users, items=world.items, config=config)


@pytest.fixture(scope="session")
def cnn_world():
    """§3.2's small world with 16×16 posters (models/test_item_cnn.py, methods/test_cold_start.py,
    protocol/test_splits.py)."""
    from recsys_lab.data.synthetic import make_synthetic

    return make_synthetic(num_users=150, num_items=240, num_ratings=7_000, poster_size=16, seed=5)


@pytest.fixture(scope="session")
def cold_split(cnn_world):
    from recsys_lab import splits

    return splits.cold_item_split(cnn_world, 0.25, seed=5)


@pytest.fixture(scope="session")
def cnn_mf(cold_split):
    """§3.2's teacher MF, fitted on the warm items' ratings."""
    pytest.importorskip("keras")
    from recsys_lab.models.base import TrainConfig
    from recsys_lab.models.mf import BiasedMF

    config = TrainConfig(epochs=6, batch_size=1024, learning_rate=2e-2, seed=5)
    return BiasedMF(embedding_dim=8, l2=0.1).fit(cold_split.train, rating_scale=(1, 5), config=config)


@pytest.fixture(scope="session")
def app():
    """§4's MovieRecommender over five models fitted (quickly) with the course's recipes on a small world
    (ui/test_recommender_app.py, course/test_recipes.py)."""
    from recsys_lab import make_synthetic, recipes, splits
    from recsys_lab import recommender_app as ra

    ds = make_synthetic(num_users=120, num_items=200, num_ratings=4_000, poster_size=None, seed=3)
    split = splits.random_split(ds, 0.2, seed=0)
    fast = {"epochs": 2, "batch_size": 512}
    names = ["popularity", "user+item bias", "biased MF", "U-AutoRec", "I-AutoRec"]
    fitted = recipes.fit_all(ds, split.train, seed=0, quick=fast, names=names)
    return ra.MovieRecommender(fitted, ds.items, split.train, explain_with=fitted["biased MF"])


@pytest.fixture(scope="module")
def toy():
    """§3.4's toy regression: x (64, 3), y, and a 3-5-4-1 network's initial parameters
    (methods/test_gradient_descent.py, ui/test_widgets.py)."""
    import numpy as np

    from recsys_lab import gradient_descent as gd

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    return (
        x,
        3 + x[:, 0] - 0.5 * x[:, 1] ** 2 + 0.1 * rng.normal(size=64),
        gd.init_params((3, 5, 4, 1), seed=0),
    )


@pytest.fixture
def float32_policy():
    """Puts Keras' global dtype policy back to float32 after a test that changes it."""
    import keras

    yield
    keras.mixed_precision.set_global_policy("float32")
