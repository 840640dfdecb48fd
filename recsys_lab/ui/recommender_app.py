"""The movie recommender of §4: a top-10 for a known user or for ratings you give, with a reason per movie.

Pure functions do the work (`check_history`, `scores_for_history`, `MovieRecommender.recommend`); `recommender_widget` is a thin ipywidgets front
end over them, and the same widget is the stand-alone Voilà app (`app/recommender.ipynb`). Every reason comes from
one item space (a fitted BiasedMF's q_i, by default), so switching the model changes the list, not the
yardstick that explains it.

>>> app = MovieRecommender(fitted, ds.items, split.train, explain_with=fitted["biased MF"])   # doctest: +SKIP
>>> app.recommend("biased MF", user_id=1)                       # rank, title, score, why, item_id  # doctest: +SKIP
>>> app.recommend("U-AutoRec", ratings={50: 5, 181: 4})         # a new user, without retraining  # doctest: +SKIP
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recsys_lab.methods.explain import because_you_liked, liked, nearest_liked
from recsys_lab.protocol.metrics import top_k


def check_history(model, ratings: dict) -> tuple[np.ndarray, np.ndarray]:
    """A new user's `{item_id: rating}` as (dense item index, rating) arrays; a ValueError says what is wrong."""
    if not ratings:
        raise ValueError("rate at least one movie first")
    ids = np.asarray(list(ratings), dtype=np.int64)
    values = np.asarray(list(ratings.values()), dtype=np.float64)
    low, high = model.rating_scale
    if not np.isfinite(values).all() or (values < low).any() or (values > high).any():
        raise ValueError(f"ratings must be numbers from {low:g} to {high:g}")
    index = model.item_encoder.transform(ids, unknown="ignore")
    if (index < 0).any():
        raise ValueError(f"movie id(s) {ids[index < 0].tolist()} have no ratings in training: rate others")
    return index, values


NEW_USER_BASELINES = ("GlobalMean", "Popularity", "BiasBaseline")


def _mf_history(model, item_index, values, l2):  # (b_u, p_u) by ridge regression on r - μ - b_i, q_i fixed
    q = model.item_embeddings[item_index]  # (n, d)
    x = np.c_[np.ones(len(item_index)), q]  # (n, 1 + d): b_u and p_u
    y = values - model.global_mean - model.item_bias[item_index]
    w = np.linalg.solve(x.T @ x + l2 * np.eye(x.shape[1]), x.T @ y)  # (1 + d,)
    return model.global_mean + model.item_bias + w[0] + model.item_embeddings @ w[1:]


def _autorec_history(model, item_index, values, l2):  # the ratings as one input row, encoded and decoded
    top = model.fold_in(model.item_encoder.inverse(item_index), values, k=model.num_items)
    return pd.Series(top["score"].to_numpy(), model.item_encoder.transform(top["item_id"])).reindex(
        range(model.num_items), fill_value=-np.inf).to_numpy()  # fmt: skip


def _two_tower_history(
    model, item_index, values, l2
):  # the mean of the vectors of the movies rated >= own mean
    liked = item_index[values >= values.mean()]
    return model.item_vectors @ model.item_vectors[liked].mean(axis=0)


def _baseline_history(model, item_index, values, l2):  # an unknown user's scores (μ + b_i, popularity...)
    return model.score_pairs(np.full(model.num_items, -1), np.arange(model.num_items))


def _history_scorer(model):
    """How `scores_for_history` places a new user in `model`, or None where it cannot without retraining."""
    name = type(model).__name__
    if hasattr(model, "user_embeddings"):  # biased MF
        return _mf_history
    if name == "AutoRec":  # U-AutoRec only: I-AutoRec has one input per training user
        return _autorec_history if getattr(model, "kind", None) == "user" else None
    if hasattr(model, "item_vectors"):  # two-tower
        return _two_tower_history
    return _baseline_history if name in NEW_USER_BASELINES else None


def serves_new_users(model) -> bool:
    """Whether `scores_for_history` can place a user from their ratings alone, without retraining the model.

    biased MF, U-AutoRec, the two-tower model and the baselines can; I-AutoRec cannot (one input per training
    user), nor can a model that needs a user's side features or id embedding (the MLP regression).
    """
    return _history_scorer(model) is not None


def score_label(model) -> str:
    """The name of a model's score column: "predicted rating" for a rating model, else what its score counts.

    A model may say itself (`score_name`, e.g. popularity's "score (ratings count)"); one that predicts no
    ratings (`predicts_ratings = False`) gets "score (not a rating)".
    """
    default = "predicted rating" if getattr(model, "predicts_ratings", True) else "score (not a rating)"
    return getattr(model, "score_name", default)


def scores_for_history(model, item_index: np.ndarray, values: np.ndarray, *, l2: float = 1.0) -> np.ndarray:
    """Scores `(num_items,)` for a user who was not in training, from their ratings, without retraining.

    biased MF: (b_u, p_u) by ridge regression on r - μ - b_i with q_i fixed (one ALS half-step).
    U-AutoRec: its ratings form an input row, encoded and decoded (`AutoRec.fold_in`).
    two-tower: the user as the mean of the item vectors of the movies rated at or above their own mean.
    baselines: the scores of an unknown user (μ + b_i, popularity...). Other models raise a ValueError.
    """
    scorer = _history_scorer(model)
    if scorer is None:
        raise ValueError(
            f"{getattr(model, 'name', type(model).__name__)} cannot recommend from your own ratings without "
            "training it again: pick an existing user, or another model"
        )
    return scorer(model, item_index, values, l2)


@dataclass
class MovieRecommender:
    """The recommender: fitted models, the movies, the training ratings, and the item space that explains.

    Attributes:
        fitted: name → fitted model (all on `train`).
        items: the movies table (`item_id`, `title`, ...).
        train: the ratings the models were fitted on (a known user's history and its ratings come from it).
        explain_with: a fitted BiasedMF whose q_i measure "nearest" for the reasons.
    """

    fitted: dict
    items: pd.DataFrame
    train: pd.DataFrame
    explain_with: object

    def new_user_models(self) -> list[str]:
        """The names of the models that can recommend from a new user's ratings, the explaining model first."""
        names = [name for name, model in self.fitted.items() if serves_new_users(model)]
        return sorted(names, key=lambda name: self.fitted[name] is not self.explain_with)

    def history(self, user_id: int) -> pd.DataFrame:
        """A known user's training ratings, best first: `item_id, title, rating`."""
        mine = self.train[self.train["user_id"] == user_id]
        if mine.empty:
            raise ValueError(
                f"user {user_id} has no ratings in training: pick another, or rate movies yourself"
            )
        titles = self.items.set_index("item_id")["title"]
        table = mine[["item_id", "rating"]].assign(
            title=titles.reindex(mine["item_id"]).fillna("?").to_numpy()
        )
        return table.sort_values(["rating", "item_id"], ascending=[False, True])[
            ["item_id", "title", "rating"]
        ]

    def recommend(self, model_name: str, *, user_id=None, ratings=None, k: int = 10) -> pd.DataFrame:
        """Top-`k` of `fitted[model_name]` for a known `user_id` or for `ratings` ({item_id: rating}), explained.

        Returns `rank, title, <score>, why, item_id`; the score column is named by what it measures
        (`score_label`: "predicted rating", clipped to the rating scale, or e.g. "score (ratings count)"); `why`
        names the liked movies (`explain.liked`: rated 4 or more, or above the user's own mean) nearest in the
        explaining item space, if they point towards the movie (cosine > 0), else says that none does
        (`explain.NO_REASON`). Raises ValueError with a readable message for bad input.
        """
        if model_name not in self.fitted:
            raise ValueError(f"unknown model {model_name!r}; choose one of {list(self.fitted)}")
        model = self.fitted[model_name]
        if (user_id is None) == (ratings is None):
            raise ValueError("give either user_id (an existing user) or ratings (a new user), not both")
        if user_id is not None:
            mine = self.history(user_id)
            u = model.user_encoder.transform([user_id])  # an id the model never saw: a ValueError naming it
            scores, exclude = model.score_items(u)[0], model.seen[u].toarray()[0]
            history, values = (
                model.item_encoder.transform(mine["item_id"]),
                mine["rating"].to_numpy(np.float64),
            )
        else:
            if not serves_new_users(model):
                others = self.new_user_models()
                listed = " or ".join([", ".join(others[:-1]), others[-1]] if len(others) > 1 else others)
                instead = f"For your ratings, choose {listed}, or pick an existing user." if others else (
                    "Pick an existing user.")  # fmt: skip
                raise ValueError(
                    f"{model_name} cannot recommend from your own ratings: it knows only the users "
                    f"it was trained on, and taking you in would mean training it again. {instead}"
                )
            history, values = check_history(model, ratings)
            scores, exclude = scores_for_history(model, history, values), np.zeros(model.num_items, bool)
            exclude[history] = True
        top = top_k(scores[None, :], min(k, model.num_items), exclude=exclude[None, :])[0]
        top = top[top >= 0]
        item_ids = model.item_encoder.inverse(top)
        space = self.explain_with.item_encoder
        favourites = space.transform(model.item_encoder.inverse(history[liked(values)]), unknown="ignore")
        candidates = space.transform(item_ids, unknown="ignore")
        reason, cos = nearest_liked(
            self.explain_with.item_embeddings, favourites[favourites >= 0], candidates.clip(0), k=2
        )
        titles = self.items.set_index("item_id")["title"]
        names = titles.reindex(space.ids).fillna("?").to_numpy()
        why = [because_you_liked(names, r, c) if j >= 0 else "not in the explaining model's items"
               for j, r, c in zip(candidates, reason, cos, strict=True)]  # fmt: skip
        label = score_label(model)
        shown = np.clip(scores[top], *model.rating_scale) if label == "predicted rating" else scores[top]
        return pd.DataFrame({"rank": np.arange(1, len(top) + 1),
                             "title": titles.reindex(item_ids).fillna("?").to_numpy(),
                             label: shown, "why": why, "item_id": item_ids})  # fmt: skip


def shown(table: pd.DataFrame):
    """`table` as HTML with every cell whole, for a notebook's output and the widget.

    pandas' own display cuts text at 50 characters (`display.max_colwidth`), which cuts the reasons off. Drops
    `item_id` (a join key, not for the reader), rounds numbers to 3 decimals, shows no index.
    """
    from IPython.display import HTML

    return HTML(table.drop(columns="item_id", errors="ignore").round(3).to_html(index=False))


def respond(app: MovieRecommender, model_name: str, *, user_id=None, picks=(), k: int = 10):
    """What the widget shows: `(table, message)`, never an exception (errors become the message).

    `picks` are the widget's rows, `(item_id or None, rating)`; empty rows are skipped, the same movie picked
    twice with the same rating counts once, and with two different ratings is an error to fix.
    """
    try:
        if user_id is not None:
            return app.recommend(model_name, user_id=int(user_id), k=k), f"{model_name}, for user {user_id}"
        ratings = {}
        for item_id, rating in picks:
            if item_id is None:
                continue
            if ratings.get(item_id, rating) != rating:
                title = app.items.set_index("item_id")["title"].get(item_id, item_id)
                raise ValueError(f"you rated {title} twice ({ratings[item_id]:g} and {rating:g}): keep one")
            ratings[item_id] = rating
        return app.recommend(
            model_name, ratings=ratings, k=k
        ), f"{model_name}, for your {len(ratings)} rating(s)"
    except Exception as error:  # shown to the learner as a sentence, not a traceback
        kind = "" if isinstance(error, ValueError) else f"{type(error).__name__}: "
        return None, f"⚠ {kind}{error}"


def recommender_widget(app: MovieRecommender, *, choices=None, slots: int = 5, k: int = 10):
    """Pick a model and an existing user, or rate up to `slots` movies of `choices` (item ids) yourself."""
    import ipywidgets as w

    choices = app.items["item_id"].to_numpy()[:300] if choices is None else choices
    titles = app.items.set_index("item_id")["title"]
    # the default serves both choices below (an existing user, and you): the explaining model when it can
    default = (app.new_user_models() or list(app.fitted))[0]
    model = w.Dropdown(options=list(app.fitted), value=default, description="model")
    mode = w.ToggleButtons(options=["an existing user", "you"], description="recommend for")
    user = w.BoundedIntText(int(app.train["user_id"].iloc[0]), min=0, max=10**9, description="user id")
    pickers = [w.Dropdown(options=[("—", None)] + [(str(titles.get(i, i)), int(i)) for i in choices], value=None,
                          layout={"width": "360px"}) for _ in range(slots)]  # fmt: skip
    stars = [w.IntSlider(4, min=1, max=5, description="rating") for _ in range(slots)]
    rows = w.VBox([w.HBox([p, s]) for p, s in zip(pickers, stars, strict=True)])
    button, out = w.Button(description="recommend", button_style="primary"), w.HTML()

    def show(_=None):
        existing = mode.value == "an existing user"
        rows.layout.display, user.layout.display = ("none", None) if existing else (None, "none")
        picks = [(p.value, float(s.value)) for p, s in zip(pickers, stars, strict=True)]
        table, message = respond(app, model.value, user_id=user.value if existing else None, picks=picks, k=k)
        out.value = f"<p>{html.escape(message)}</p>{'' if table is None else shown(table).data}"

    for control in (model, mode, user):
        control.observe(show, names="value")
    button.on_click(show)
    show()
    return w.VBox([w.HBox([model, mode]), user, rows, button, out])
