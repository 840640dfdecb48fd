"""What `retrieval`'s functions, `VectorScorer` and `AnnIndex` promise a user (docs/mutation.md).

Expected values are worked out by hand on tiny vectors, or by a plain loop over the pairs; nothing here reuses
the module's own expressions. The `AnnIndex` tests need faiss and are skipped without it.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp

from recsys_lab.methods import retrieval
from recsys_lab.methods.retrieval import (
    AnnIndex,
    VectorScorer,
    check_same_space,
    normalize,
    pair_scores,
    recall_at_k,
    retrieve,
    similar_items,
    similarity,
)

USERS = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]])
ITEMS = np.array([[3.0, 0.0], [1.0, 1.0], [0.0, 1.0], [-1.0, 2.0]])
DOT = np.array(  # ⟨u, i⟩ by hand
    [
        [3.0, 1.0, 0.0, -1.0],
        [0.0, 2.0, 2.0, 4.0],
        [9.0, 7.0, 4.0, 5.0],
    ]
)


def good(n=5):
    return np.ones((n, 4))


def empty_message(name, shape):
    return (
        "^"
        + re.escape(f"{name} must be a non-empty 2-D array (count, embedding_dim); got shape {shape}")
        + "$"
    )


def model_of(num_users, num_items, name=None):
    seen = sp.csr_array((num_users, num_items))
    model = SimpleNamespace(seen=seen, user_encoder=object(), item_encoder=object())
    if name is not None:
        model.name = name
    return model


class Popularity:
    """A model without a `name` attribute: its class name stands in."""

    def __init__(self, num_users, num_items):
        self.seen = sp.csr_array((num_users, num_items))
        self.user_encoder, self.item_encoder = object(), object()


# ---------------------------------------------------------------- input checks name the argument


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda bad: similarity(bad, good()), "user_vectors"),
        (lambda bad: similarity(good(), bad), "item_vectors"),
        (lambda bad: retrieve(bad, good(), 1), "user_vectors"),
        (lambda bad: retrieve(good(), bad, 1), "item_vectors"),
        (lambda bad: similar_items(bad, 0), "item_vectors"),
        (lambda bad: VectorScorer(model_of(5, 5), bad, good()), "user_vectors"),
        (lambda bad: VectorScorer(model_of(5, 5), good(), bad), "item_vectors"),
    ],
)
def test_empty_or_flat_vectors_are_refused_under_the_argument_name(call, name):
    with pytest.raises(ValueError, match=empty_message(name, (0, 4))):
        call(np.zeros((0, 4)))
    with pytest.raises(ValueError, match=empty_message(name, (4,))):
        call(np.ones(4))  # one vector, not a (count, d) array


def test_integer_or_float32_vectors_are_scored_in_float64():
    # int8-quantised embeddings: 100·100 + 100·100 = 20000 does not fit in int8
    quantised = np.array([[100, 100]], dtype=np.int8)
    scores = similarity(quantised, quantised)
    assert scores.dtype == np.float64 and scores[0, 0] == 20000.0
    assert normalize(np.array([[3.0, 4.0]], dtype=np.float32)).dtype == np.float64


def test_similarity_defaults_to_the_inner_product_and_names_the_metrics():
    np.testing.assert_array_equal(similarity(USERS, ITEMS), DOT)
    with pytest.raises(ValueError, match=re.escape("metric must be one of ('dot', 'cosine'); got 'l2'")):
        similarity(USERS, ITEMS, "l2")


# ---------------------------------------------------------------- normalize, check_same_space


def test_normalize_scales_each_vector_to_unit_length_and_keeps_zero_rows_zero():
    np.testing.assert_allclose(
        normalize([[3.0, 4.0], [0.0, 0.0], [0.0, -2.0]]), [[0.6, 0.8], [0, 0], [0, -1]]
    )
    np.testing.assert_allclose(normalize([6.0, 8.0]), [0.6, 0.8])  # a single vector


def test_dimension_mismatch_is_refused_with_the_advice_for_a_vector_or_a_set():
    advice = (
        "16 dimensions but item vectors have 64: an inner product needs both in one space of one "
        "dimension. Learn them together (BiasedMF, TwoTower); padding or cutting one side does not make "
        "the coordinates mean the same thing"
    )
    for users, items in [
        (np.ones(16), np.ones((5, 64))),  # one user vector against a set of items
        (np.ones((2, 16)), np.ones(64)),
        (np.ones((2, 16)), np.ones((5, 64))),
    ]:
        with pytest.raises(ValueError, match=re.escape(f"user vectors have {advice}") + "$"):
            check_same_space(users, items)
    check_same_space(np.ones(8), np.ones((5, 8)))  # same space: nothing raised


# ---------------------------------------------------------------- pair_scores


def loop_scores(users, items, u, i):
    return np.array(
        [sum(a * b for a, b in zip(users[x], items[y], strict=True)) for x, y in zip(u, i, strict=True)]
    )


def test_pair_scores_are_the_inner_products_of_the_pairs_in_any_chunking():
    u, i = [2, 0, 1, 2, 2], [0, 3, 1, 2, 0]
    expected = [9.0, -1.0, 2.0, 4.0, 9.0]  # read off DOT
    np.testing.assert_array_equal(loop_scores(USERS, ITEMS, u, i), expected)
    for chunk in (1, 2, 3, 5, 100):
        np.testing.assert_array_equal(pair_scores(USERS, ITEMS, u, i, chunk=chunk), expected)
    np.testing.assert_array_equal(pair_scores(USERS, ITEMS, u, i), expected)
    # indices held as Python objects (an object column of a DataFrame) are read as integers
    np.testing.assert_array_equal(
        pair_scores(USERS, ITEMS, np.array(u, object), np.array(i, object)), expected
    )
    assert pair_scores(USERS, ITEMS, [], []).shape == (0,)


def test_pair_scores_dtype_is_that_of_the_product_of_the_vectors():
    low, high = USERS.astype(np.float32), ITEMS.astype(np.float64)
    for users, items in [(low, ITEMS.astype(np.float32)), (low, high), (USERS, ITEMS.astype(np.float32))]:
        expected = (users[[0, 2]] * items[[1, 3]]).sum(axis=1)  # the docstring's definition
        got = pair_scores(users, items, [0, 2], [1, 3])
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


class Recording(np.ndarray):
    """An array that records how many rows each fancy-indexing read gathers."""

    def __getitem__(self, index):
        if isinstance(index, np.ndarray) and index.ndim == 1:
            self.reads.append(len(index))
        return np.asarray(super().__getitem__(index))


def test_pair_scores_reads_each_pair_once_and_at_most_chunk_pairs_at_a_time():
    rng = np.random.default_rng(1)
    users, items = rng.normal(size=(6, 3)).view(Recording), rng.normal(size=(7, 3)).view(Recording)
    users.reads, items.reads = [], []
    u, i = rng.integers(0, 6, 11), rng.integers(0, 7, 11)
    got = pair_scores(users, items, u, i, chunk=4)
    np.testing.assert_allclose(got, loop_scores(np.asarray(users), np.asarray(items), u, i))
    assert users.reads == [4, 4, 3] and items.reads == [4, 4, 3]


# ---------------------------------------------------------------- retrieve


def test_retrieve_scores_each_user_once_in_batches_of_batch_size(monkeypatch):
    batches = []
    real_top_k = retrieval.top_k

    def counting_top_k(block, k, exclude=None):
        batches.append(len(block))
        return real_top_k(block, k, exclude=exclude)

    monkeypatch.setattr(retrieval, "top_k", counting_top_k)
    users = np.arange(14.0).reshape(7, 2)
    found, scores = retrieve(users, ITEMS, 2, batch_size=2)
    assert batches == [2, 2, 2, 1]
    batches.clear()
    retrieve(users, ITEMS, 2)  # batch_size=None: 7 users x 4 items is far below 4 M scores, one batch
    assert batches == [7]
    expected = np.argsort(-(users @ ITEMS.T), axis=1, kind="stable")[:, :2]
    np.testing.assert_array_equal(found, expected)
    assert scores.dtype == np.float64
    batches.clear()
    huge = np.ones((2**21 + 1, 1))  # two users' scores would already pass 4 M: one user per batch
    retrieve(np.ones((2, 1)), huge, 1)
    assert batches == [1, 1]


def test_retrieve_accepts_any_sparse_format_and_only_a_boolean_dense_exclude():
    mask = np.array([[True, False, False, False], [False, True, True, False], [False, False, False, False]])
    expected = np.array([[1, 2], [3, 0], [0, 1]])  # DOT's rows best first, the masked items left out
    formats = (
        sp.coo_matrix,
        sp.coo_array,
        sp.csc_matrix,
        sp.lil_array,
        sp.dok_array,
        sp.dia_array,
        sp.bsr_array,
    )
    for exclude in (mask, *(to_sparse(mask) for to_sparse in formats)):
        np.testing.assert_array_equal(retrieve(USERS, ITEMS, 2, exclude=exclude)[0], expected)
    with pytest.raises(ValueError, match="boolean array"):
        retrieve(USERS, ITEMS, 2, exclude=mask.astype(int))  # 0/1 integers: an index list by mistake?


def test_retrieve_refuses_a_batch_size_below_one():
    with pytest.raises(ValueError, match=r"^batch_size must be at least 1; got 0$"):
        retrieve(USERS, ITEMS, 2, batch_size=0)


# ---------------------------------------------------------------- similar_items


def test_similar_items_takes_any_item_and_k_from_1_to_all_others():
    items = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [-1.0, 0.0], [0.5, 0.5]])
    found, _ = similar_items(items, 0, k=1)  # cosine with item 0: 0.994, 0, -1, 0.707
    np.testing.assert_array_equal(found, [1])
    found, _ = similar_items(items, 4, k=4)  # cosine with item 4: 0.707, 0.781, 0.707, -0.707
    np.testing.assert_array_equal(found, [1, 0, 2, 3])
    with pytest.raises(ValueError, match=r"^item_index 5 is outside \[0, 5\)"):
        similar_items(items, 5)
    with pytest.raises(ValueError, match=r"^k=5 is out of range: it must be between 1 and 4$"):
        similar_items(items, 0, k=5)
    with pytest.raises(ValueError, match="k=0 is out of range"):
        similar_items(items, 0, k=0)


def test_similar_items_returns_ten_by_default():
    items = np.random.default_rng(2).normal(size=(30, 4))
    found, scores = similar_items(items, 3)
    assert found.shape == scores.shape == (10,)


# ---------------------------------------------------------------- recall_at_k


def test_recall_counts_distinct_exact_items_found_and_rows_with_a_single_exact_item():
    # row 0: one exact item, found -> 1; row 1: item 4 returned three times, 1 of 3 found
    approx = np.array([[3, 5, 6], [4, 4, 4]])
    exact = np.array([[3, -1, -1], [4, 5, 6]])
    assert recall_at_k(approx, exact) == pytest.approx((1 + 1 / 3) / 2)
    assert recall_at_k(np.array([[9]]), np.array([[9]])) == 1.0
    with pytest.raises(ValueError, match=r"^exact holds no item: nothing to recall$"):
        recall_at_k(np.array([[1, 2]]), np.array([[-1, -1]]))


# ---------------------------------------------------------------- VectorScorer


def test_vector_scorer_scores_items_and_pairs_by_dot_product_by_default():
    model = model_of(3, 4, name="MF")
    scorer = VectorScorer(model, USERS, ITEMS)
    assert scorer.name == "MF (dot)" and scorer.metric == "dot"
    assert (scorer.num_users, scorer.num_items) == (3, 4)
    assert scorer.seen is model.seen
    assert scorer.user_encoder is model.user_encoder and scorer.item_encoder is model.item_encoder
    np.testing.assert_array_equal(scorer.score_items([2, 0]), DOT[[2, 0]])
    assert scorer.score_items([]).shape == (0, 4)
    np.testing.assert_array_equal(scorer.score_pairs([2, 1, 0], [3, 3, 0]), [5.0, 4.0, 3.0])


def test_vector_scorer_with_cosine_scores_unit_vectors_and_says_so_in_its_name():
    scorer = VectorScorer(Popularity(3, 4), USERS, ITEMS, metric="cosine")
    assert scorer.name == "Popularity (cosine)"
    # user 2 = (3, 4), length 5; item 3 = (-1, 2), length √5: cosine 5 / (5 √5) = 1/√5
    cosine = DOT / np.outer([1.0, 2.0, 5.0], [3.0, np.sqrt(2), 1.0, np.sqrt(5)])
    np.testing.assert_allclose(scorer.score_items([0, 1, 2]), cosine)
    np.testing.assert_allclose(scorer.score_pairs([2, 1], [3, 1]), [1 / np.sqrt(5), 1 / np.sqrt(2)])


def test_vector_scorer_refuses_vectors_that_do_not_fit_the_model():
    with pytest.raises(
        ValueError, match=r"^3 user and 4 item vectors do not match the model's 2 users and 5 items$"
    ):
        VectorScorer(model_of(2, 5), USERS, ITEMS)
    with pytest.raises(ValueError, match="metric must be one of"):
        VectorScorer(model_of(3, 4), USERS, ITEMS, metric="euclid")
    with pytest.raises(ValueError, match="2 dimensions but item vectors have 3"):
        VectorScorer(model_of(3, 4), USERS, np.ones((4, 3)))


# ---------------------------------------------------------------- _import_faiss, AnnIndex


def test_ann_without_faiss_names_the_package_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_faiss(name, *args, **kwargs):
        if name == "faiss":
            raise ImportError("no faiss here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_faiss)
    message = "AnnIndex needs faiss: pip install faiss-cpu (a wheel for Linux, macOS and Windows)"
    with pytest.raises(ImportError, match="^" + re.escape(message) + "$"):
        AnnIndex(np.ones((5, 4)))


@pytest.fixture(scope="module")
def faiss():
    return pytest.importorskip("faiss")


@pytest.fixture(scope="module")
def catalogue():
    rng = np.random.default_rng(3)
    users = rng.normal(size=(4, 6)) * 3.0  # not unit length: dot and cosine differ
    items = rng.normal(size=(120, 6)) * rng.lognormal(0, 0.5, (120, 1))
    return users, items


def test_ann_input_checks_name_the_argument(faiss):
    with pytest.raises(ValueError, match=empty_message("item_vectors", (0, 4))):
        AnnIndex(np.zeros((0, 4)))
    with pytest.raises(ValueError, match=empty_message("user_vectors", (0, 4))):
        AnnIndex(good()).search(np.zeros((0, 4)), 1)
    with pytest.raises(ValueError, match=re.escape("metric must be one of ('dot', 'cosine'); got 'l2'")):
        AnnIndex(good(), metric="l2")
    with pytest.raises(ValueError, match=re.escape("exclude has shape (2, 5); it must be (1, 5)")):
        AnnIndex(good()).search(good(1), 1, exclude=np.zeros((2, 5), bool))


def test_ann_build_defaults_are_the_documented_ones(faiss, monkeypatch, catalogue):
    threads = []
    real_set = faiss.omp_set_num_threads
    monkeypatch.setattr(faiss, "omp_set_num_threads", lambda n: (threads.append(n), real_set(n)))
    before = faiss.omp_get_max_threads()
    index = AnnIndex(catalogue[1])
    assert threads == [1, before]  # built single-threaded (reproducible), the caller's setting restored
    assert index.index.hnsw.nb_neighbors(1) == 32  # m
    assert index.index.hnsw.efConstruction == 80


@pytest.mark.parametrize("metric", ["dot", "cosine"])
def test_ann_scores_are_the_metric_of_the_returned_items_best_first(faiss, catalogue, metric):
    users, items = catalogue
    exact = similarity(users, items, metric)
    found, scores = AnnIndex(items, metric=metric).search(users, 5, ef_search=120)
    assert found.dtype == np.int64 and scores.dtype == np.float64
    np.testing.assert_allclose(scores, np.take_along_axis(exact, found, axis=1), rtol=1e-4, atol=1e-4)
    assert np.all(np.diff(scores, axis=1) <= 1e-5)


def test_ann_search_keeps_max_of_ef_search_and_k_plus_the_most_excluded_candidates(faiss, catalogue):
    users, items = catalogue
    index = AnnIndex(items)
    index.search(users, 10)
    assert index.index.hnsw.efSearch == 64  # the default ef_search
    index.search(users, 100)
    assert index.index.hnsw.efSearch == 100  # k above ef_search
    nothing = sp.csr_array((np.array([0.0]), np.array([7]), np.array([0, 1, 1, 1, 1])), shape=(4, 120))
    index.search(users, 100, exclude=nothing)  # an explicit zero excludes nothing
    assert index.index.hnsw.efSearch == 100
    some = np.zeros((4, 120), bool)
    some[1, :5] = True
    index.search(users, 100, exclude=some)
    assert index.index.hnsw.efSearch == 105


def test_ann_search_k_goes_from_1_to_num_items(faiss, catalogue):
    users, items = catalogue
    index = AnnIndex(items[:20])
    assert index.search(users, 1)[0].shape == (4, 1)
    assert sorted(index.search(users, 20)[0][0]) == list(range(20))
    with pytest.raises(ValueError, match=r"^k=21 is out of range: it must be between 1 and num_items=20$"):
        index.search(users, 21)
    with pytest.raises(ValueError, match="k=0 is out of range"):
        index.search(users, 0)


def test_ann_item_zero_is_returned_in_its_place_and_excluded_when_asked(faiss):
    items = np.array([[5.0, 0.0], [1.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    index = AnnIndex(items)
    query = np.array([[1.0, 0.0]])  # scores 5, 1, 0, 2
    np.testing.assert_array_equal(index.search(query, 3)[0], [[0, 3, 1]])
    exclude = np.array([[True, False, False, False]])
    np.testing.assert_array_equal(index.search(query, 3, exclude=exclude)[0], [[3, 1, 2]])


def test_ann_pads_short_rows_with_minus_one_and_minus_infinity(faiss, catalogue):
    users, items = catalogue
    all_but_two = np.ones((1, 20), bool)
    all_but_two[0, [4, 11]] = False
    found, scores = AnnIndex(items[:20]).search(users[:1], 4, exclude=all_but_two)
    assert sorted(found[0, :2]) == [4, 11] and list(found[0, 2:]) == [-1, -1]
    assert np.isfinite(scores[0, :2]).all() and list(scores[0, 2:]) == [-np.inf, -np.inf]


def test_ann_search_leaves_the_callers_exclude_matrix_as_it_was(faiss, catalogue):
    users, items = catalogue
    # row 0: items 3, 1 (stored as an explicit zero) and 0, in that (unsorted) order
    exclude = sp.csr_array(
        (np.array([1.0, 0.0, 1.0]), np.array([3, 1, 0]), np.array([0, 3, 3, 3, 3])), shape=(4, 120)
    )
    found, _ = AnnIndex(items).search(users, 5, exclude=exclude)
    np.testing.assert_array_equal(exclude.data, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(exclude.indices, [3, 1, 0])
    np.testing.assert_array_equal(exclude.indptr, [0, 3, 3, 3, 3])
    assert not np.isin(found[0], [0, 3]).any()
