"""The §4 recommender: its callbacks as pure functions, new-user scoring against references, the widget.

`app` (conftest.py) is a MovieRecommender over five models fitted with the course's recipes on a small world.
"""

from __future__ import annotations

import numpy as np
import pytest

from recsys_lab import recommender_app as ra


def test_known_user_gets_k_unseen_movies_with_reasons_from_their_liked_ones(app):
    user = int(app.train["user_id"].iloc[0])
    table, message = ra.respond(app, "biased MF", user_id=user, k=10)
    assert message == f"biased MF, for user {user}" and len(table) == 10
    mine = app.history(user)
    assert not set(table["item_id"]) & set(mine["item_id"])  # nothing they already rated
    liked = set(mine.loc[mine["rating"] >= min(4, mine["rating"].max()), "title"])
    for why in table["why"]:
        assert why.startswith("because you liked ")
        assert all(
            part.rsplit(" (cos", 1)[0] in liked
            for part in why.removeprefix("because you liked ").split(" and ")
        )


def test_switching_models_changes_the_list(app):
    user = int(app.train["user_id"].iloc[0])
    lists = {m: tuple(ra.respond(app, m, user_id=user)[0]["item_id"]) for m in app.fitted}
    assert len(set(lists.values())) >= 3, lists


def test_unknown_user_and_bad_input_are_messages_not_tracebacks(app):
    table, message = ra.respond(app, "biased MF", user_id=999_999)
    assert table is None and message.startswith("⚠ user 999999 has no ratings in training")
    assert ra.respond(app, "no such model", user_id=1)[1].startswith("⚠ unknown model 'no such model'")
    assert ra.respond(app, "biased MF", picks=[])[1] == "⚠ rate at least one movie first"
    assert (
        ra.respond(app, "biased MF", picks=[(None, 4.0), (None, 5.0)])[1] == "⚠ rate at least one movie first"
    )
    assert "twice (5 and 3): keep one" in ra.respond(app, "biased MF", picks=[(5, 5.0), (5, 3.0)])[1]
    assert "from 1 to 5" in ra.respond(app, "biased MF", picks=[(5, 9.0)])[1]
    unrated = sorted(set(app.items["item_id"]) - set(app.train["item_id"]))
    if unrated:
        assert "have no ratings in training" in ra.respond(app, "biased MF", picks=[(unrated[0], 4.0)])[1]
    assert "cannot be added without retraining" in ra.respond(app, "I-AutoRec", picks=[(5, 4.0)])[1]
    with pytest.raises(ValueError, match="either user_id"):
        app.recommend("biased MF", user_id=1, ratings={5: 4.0})


def test_a_new_user_with_one_rating_or_a_duplicate(app):
    for model in ("popularity", "user+item bias", "biased MF", "U-AutoRec"):
        one, message = ra.respond(app, model, picks=[(5, 5.0)])
        assert message == f"{model}, for your 1 rating(s)" and len(one) == 10 and 5 not in set(one["item_id"])
        twice, _ = ra.respond(app, model, picks=[(5, 5.0), (None, 2.0), (5, 5.0)])
        assert twice.equals(one)


def test_mf_fold_in_is_the_ridge_solution(app):
    mf = app.fitted["biased MF"]
    index, values = np.array([0, 3, 7, 11]), np.array([5.0, 1.0, 4.0, 2.0])
    scores = ra.scores_for_history(mf, index, values, l2=0.5)
    # the same ridge problem, solved as least squares on an augmented system
    x = np.c_[np.ones(4), mf.item_embeddings[index]]
    y = values - mf.global_mean - mf.item_bias[index]
    w = np.linalg.lstsq(
        np.r_[x, np.sqrt(0.5) * np.eye(x.shape[1])], np.r_[y, np.zeros(x.shape[1])], rcond=None
    )[0]
    np.testing.assert_allclose(
        scores, mf.global_mean + mf.item_bias + w[0] + mf.item_embeddings @ w[1:], atol=1e-9
    )


def test_widget_shows_a_list_and_a_message(app):
    widget = ra.recommender_widget(app, slots=2)
    model, mode = widget.children[0].children
    rows, button, out = widget.children[2], widget.children[3], widget.children[4]
    assert "for user" in out.value and "<table" in out.value
    mode.value = "you"
    picker, stars = rows.children[0].children
    picker.value, stars.value = int(app.items["item_id"].iloc[0]), 5
    model.value = "I-AutoRec"
    button.click()
    assert out.value.startswith("<p>⚠ fold_in needs U-AutoRec") and "<table" not in out.value
    model.value = "biased MF"
    assert "for your 1 rating(s)" in out.value and "because you liked" in out.value
