"""The §4 recommender: its callbacks as pure functions, new-user scoring against references, the widget.

`app` (conftest.py) is a MovieRecommender over five models fitted with the course's recipes on a small world.
"""

from __future__ import annotations

import html

import numpy as np
import pytest

from recsys_lab import recommender_app as ra
from recsys_lab.methods.explain import NO_REASON


def test_known_user_gets_k_unseen_movies_with_reasons_from_their_liked_ones(app):
    user = int(app.train["user_id"].iloc[0])
    table, message = ra.respond(app, "biased MF", user_id=user, k=10)
    assert message == f"biased MF, for user {user}" and len(table) == 10
    mine = app.history(user)
    assert not set(table["item_id"]) & set(mine["item_id"])  # nothing they already rated
    liked = set(mine.loc[(mine["rating"] >= 4) | (mine["rating"] > mine["rating"].mean()), "title"])
    for why in table["why"]:
        assert why.startswith("because you liked ") or why == NO_REASON, why
        for part in why.removeprefix("because you liked ").split(" and ") if why != NO_REASON else []:
            title, cosine = part.rsplit(" (cos ", 1)
            assert title in liked and float(cosine.rstrip(")")) > 0, why


@pytest.mark.parametrize("model", ["popularity", "biased MF"])
def test_a_new_users_reasons_support_the_movie_and_never_cite_a_low_rating(app, model):
    space = app.explain_with
    q = space.item_embeddings / np.linalg.norm(space.item_embeddings, axis=1, keepdims=True)
    titles = app.items.set_index("item_id")["title"]
    # a new user who loves one movie and hates the movie least like it: reasons may cite only the first
    loved = 0
    hated = int(np.argmin(q @ q[loved]))
    loved_id, hated_id = (int(i) for i in space.item_encoder.inverse([loved, hated]))
    table, message = ra.respond(app, model, picks=[(loved_id, 5.0), (hated_id, 1.0)], k=10)
    assert table is not None, message
    for item_id, why in zip(table["item_id"], table["why"], strict=True):
        j = space.item_encoder.transform([item_id])[0]
        cosine = q[j] @ q[loved]  # the independent reference: the one liked movie's cosine
        if cosine > 0:
            assert why == f"because you liked {titles[loved_id]} (cos {cosine:.2f})", why
        else:
            assert why == NO_REASON, (why, cosine)
    # one rating of 1 is the user's best, and still no like: nothing is "because you liked" it
    table, _ = ra.respond(app, model, picks=[(hated_id, 1.0)], k=10)
    assert set(table["why"]) == {NO_REASON}


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
    refusal = ra.respond(app, "I-AutoRec", picks=[(5, 4.0)])[1]
    assert refusal.startswith("⚠ I-AutoRec cannot recommend from your own ratings"), refusal
    assert "fold_in" not in refusal and "kind=" not in refusal  # a learner's sentence, not the developer's
    assert "choose biased MF" in refusal and "or pick an existing user" in refusal  # what to do instead
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
    assert (
        out.value.startswith("<p>⚠ I-AutoRec cannot recommend from your own ratings")
        and "<table" not in out.value
    )
    model.value = "biased MF"
    assert "for your 1 rating(s)" in out.value and "because you liked" in out.value


def test_the_widget_starts_on_a_model_that_serves_an_existing_user_and_you(app):
    fitted = {name: app.fitted[name] for name in ("I-AutoRec", "popularity", "U-AutoRec", "biased MF")}
    widget = ra.recommender_widget(
        ra.MovieRecommender(fitted, app.items, app.train, app.explain_with), slots=1
    )
    model, mode = widget.children[0].children
    assert model.value == "biased MF"  # the model whose item space explains, though I-AutoRec comes first
    picker, stars = widget.children[2].children[0].children
    mode.value, picker.value, stars.value = "you", int(app.train["item_id"].iloc[0]), 5
    widget.children[3].click()
    assert "biased MF, for your 1 rating(s)" in widget.children[4].value  # served, no ⚠
    assert [ra.serves_new_users(m) for m in fitted.values()] == [False, True, True, True]


def test_scores_are_labelled_by_what_they_measure(app):
    user = int(app.train["user_id"].iloc[0])
    counts = app.train["item_id"].value_counts()  # the independent reference: ratings per movie in training
    popular = app.recommend("popularity", user_id=user)
    assert "score" not in popular.columns
    assert popular["score (ratings count)"].tolist() == counts.reindex(popular["item_id"]).tolist()
    mf = app.fitted["biased MF"]
    table = app.recommend("biased MF", user_id=user)
    assert "score" not in table.columns and "score (ratings count)" not in table.columns
    np.testing.assert_allclose(
        table["predicted rating"],
        mf.predict(np.full(len(table), user), table["item_id"].to_numpy()),
        rtol=1e-5,
    )
    widget = ra.recommender_widget(app, slots=1)
    widget.children[0].children[0].value = "popularity"
    assert "score (ratings count)" in widget.children[4].value


def test_shown_keeps_every_reason_whole_where_pandas_cuts_it(app):
    user = int(app.train["user_id"].iloc[0])
    table = app.recommend("biased MF", user_id=user)
    long_reasons = [why for why in table["why"] if len(why) > 60]
    assert long_reasons, list(table["why"])  # two titles with their cosines run past pandas' 50 characters
    html_out = ra.shown(table[["rank", "title", "why"]]).data
    assert all(html.escape(why) in html_out for why in table["why"])
    assert not all(html.escape(why) in table[["why"]]._repr_html_() for why in long_reasons)  # pandas' cut
