"""The course's recipes: one table of settings, read by the models' defaults and by every notebook."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import itertools
import re

import nbformat
import pytest

from recsys_lab import recipes, splits

from ..helpers import ROOT

NOTEBOOKS = [*sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ROOT / "app" / "recommender.ipynb"]
SETTING = r"(?:epochs|batch_size|learning_rate)"


def parameters(notebook: str) -> dict:
    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return {t.id: ast.literal_eval(n.value) for n in ast.parse(cell.source).body if isinstance(n, ast.Assign)
            for t in n.targets}  # fmt: skip


def settings_outside_the_table(source: str) -> list[str]:
    """What in a notebook's code sets training outside `recipes.RECIPES`, each as the offending text.

    A notebook takes every training setting from `recipes.train_config(NAME, seed=SEED)`: it builds no
    `TrainConfig(...)`, passes no number or UPPERCASE constant as `epochs=`, `batch_size=` or `learning_rate=`
    (a variable of an experiment, such as a swept rate, is fine), gives no Keras optimizer a literal rate, and
    names only recipes that exist.
    """
    found = re.findall(r"\bTrainConfig\(", source)
    found += re.findall(rf"\b{SETTING}\s*=\s*(?:[-+]?[0-9.]+(?:e-?[0-9]+)?|[A-Z][A-Z0-9_]*)\b", source)
    found += re.findall(r"optimizers\.\w+\(\s*[0-9.]", source)
    found += [
        name for name in re.findall(r"train_config\(\s*\"([^\"]+)\"", source) if name not in recipes.RECIPES
    ]
    return found


def test_the_rule_catches_settings_outside_the_table():
    planted = (
        "config = TrainConfig(epochs=3)\n"
        "model.fit(x, y, epochs=EPOCHS, batch_size=64)\n"
        "model.compile(optimizer=keras.optimizers.Adam(3e-3))\n"
        'other = recipes.train_config("no such recipe", seed=SEED)\n'
    )
    assert len(settings_outside_the_table(planted)) == 6
    fine = (
        'config = recipes.train_config("biased MF", seed=SEED, steps_per_execution=8)\n'
        'sweep = recipes.train_config("I-AutoRec", seed=SEED, learning_rate=rate)\n'
        "model.fit(x, y, epochs=config.epochs, batch_size=config.batch_size)\n"
    )
    assert settings_outside_the_table(fine) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_train_only_with_the_tables_settings(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert settings_outside_the_table(code) == [], f"{path.name}: set these in recsys_lab/course/recipes.py"


def test_the_chapters_architecture_is_the_recipes():
    ch02, ch03, ch04, ch05, ch07, ch08 = (
        parameters(n)
        for n in (
            "02_autoencoder.ipynb",
            "03_inner_product.ipynb",
            "04_cnn_item_features.ipynb",
            "05_regression.ipynb",
            "07_scale_and_data_quality.ipynb",
            "08_explainability_and_complexity.ipynb",
        )
    )
    for name in ("I-AutoRec", "U-AutoRec"):
        args = recipes.RECIPES[name].args
        assert (args["hidden_units"], args["l2"]) == (ch02["HIDDEN_UNITS"], ch02["L2"])
    assert recipes.RECIPES["biased MF, item space"].args["embedding_dim"] == ch04["EMBEDDING_DIM"]
    assert recipes.RECIPES["biased MF"].args["embedding_dim"] == ch03["EMBEDDING_DIM"]
    assert recipes.RECIPES["biased MF"].args["l2"] == ch03["L2"]
    assert (
        recipes.RECIPES["biased MF, fast"].args["embedding_dim"]
        == ch07["EMBEDDING_DIM"]
        == ch08["EMBEDDING_DIM"]
    )
    mlp = recipes.RECIPES["MLP regression"].args
    assert (mlp["embedding_dim"], mlp["hidden_units"], mlp["dropout"]) == (
        ch05["EMBEDDING_DIM"],
        ch05["HIDDEN_UNITS"],
        ch05["DROPOUT"],
    )
    for path in NOTEBOOKS[:-1]:
        assert parameters(path.name)["SEED"] == 42, path.name


def test_the_course_models_train_with_their_models_defaults():
    """The compared Keras models override nothing: a model's `TRAIN` is the course's setting."""
    for name in recipes.COMPARED:
        recipe = recipes.RECIPES[name]
        if recipe.model in recipes.BASELINES:
            continue
        assert recipe.train == {}, name
        module = importlib.import_module(f"recsys_lab.models.{recipes.KERAS_MODELS[recipe.model]}")
        assert recipes.train_config(name, seed=7) == dataclasses.replace(module.TRAIN, seed=7)


def test_train_config_applies_the_recipes_overrides_then_the_callers():
    from recsys_lab.models import mf

    fast = recipes.train_config("biased MF, item space", seed=1)
    assert (fast.epochs, fast.batch_size, fast.learning_rate, fast.seed) == (8, 4096, 2e-2, 1)
    assert fast.optimizer == mf.TRAIN.optimizer  # not overridden: the model's default
    swept = recipes.train_config("biased MF, item space", seed=1, learning_rate=0.5)
    assert (swept.epochs, swept.learning_rate) == (8, 0.5)
    plain = recipes.train_config("poster autoencoder", seed=3)  # a network built in the chapter's cells
    assert (plain.epochs, plain.batch_size, plain.learning_rate) == (10, 128, 3e-3)


def test_each_optimizer_of_chapter_05_tries_the_same_number_of_rates_spaced_alike():
    from recsys_lab.models.base import OPTIMIZERS

    grids = recipes.OPTIMIZER_RATES
    assert set(grids) <= set(OPTIMIZERS) and len(grids) == 3
    ratios = set()
    for optimizer, rates in grids.items():
        assert len(rates) == 3 and list(rates) == sorted(rates), optimizer
        ratios |= {b / a for a, b in itertools.pairwise(rates)}
        recipes.train_config(
            "MLP regression, optimizers", seed=0, optimizer=optimizer, learning_rate=rates[0]
        )
    assert max(ratios) < 1.2 * min(ratios), ratios  # about one spacing for every optimizer: no favourite


def test_build_makes_each_compared_model_with_its_recipe():
    from recsys_lab import models
    from recsys_lab.methods.baselines import BiasBaseline

    model, fit_args = recipes.build("two-tower", seed=5, quick={"epochs": 1})
    assert isinstance(model, models.TwoTower) and model.embedding_dim == 32
    assert fit_args["config"].epochs == 1 and fit_args["config"].seed == 5
    autorec, fit_args = recipes.build("U-AutoRec", seed=5)
    assert isinstance(autorec, models.AutoRec) and autorec.kind == "user" and fit_args == {}
    assert autorec.config == recipes.train_config("U-AutoRec", seed=5)
    assert isinstance(recipes.build("user+item bias", seed=0)[0], BiasBaseline)


def test_bad_names_say_what_exists():
    with pytest.raises(ValueError, match="unknown recipe 'SVD'.*biased MF"):
        recipes.build("SVD", seed=0)
    with pytest.raises(ValueError, match="closed form"):
        recipes.train_config("popularity", seed=0)
    with pytest.raises(ValueError, match="step of chapter 04"):
        recipes.build("text CNN", seed=0)


def test_the_table_uses_the_chapters_evaluation(app):
    from recsys_lab import evaluation

    split = splits.Split(app.train, app.train.sample(200, random_state=0), "check")
    fitted = {"user+item bias": app.fitted["user+item bias"]}
    table = recipes.comparison_table(fitted, split, seed=0)
    direct = evaluation.evaluate_ratings(fitted["user+item bias"], split.test)
    assert table.loc["user+item bias", "rmse"] == direct["rmse"]
