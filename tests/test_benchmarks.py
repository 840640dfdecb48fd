"""benchmarks/: the quick mode end to end, the markdown from the JSON, MAP@k, the blend's least squares, the ceiling.

No timing is asserted here: the benchmarks print and write their times, tests only check that they are there.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
import scipy.sparse as sp

from benchmarks import SECTIONS
from benchmarks.ranking import map_at_k
from benchmarks.report import render
from benchmarks.throughput import matmul_ceiling

ROOT = Path(__file__).resolve().parents[1]


def brute_force_map(recommended, relevant_sets, k, denominator="relevant"):
    """AP@k by its definition, one user and one rank at a time."""
    values = []
    for items, relevant in zip(recommended, relevant_sets, strict=True):
        if not relevant:
            continue
        hits, total = 0, 0.0
        for rank, item in enumerate(items[:k], start=1):
            if item in relevant:
                hits += 1
                total += hits / rank
        values.append(total / (len(relevant) if denominator == "relevant" else min(k, len(relevant))))
    return float(np.mean(values))


@pytest.mark.parametrize("denominator", ["relevant", "min"])
def test_map_at_k_equals_its_definition(denominator):
    rng = np.random.default_rng(0)
    num_users, num_items, k = 40, 30, 10
    recommended = np.array([rng.permutation(num_items)[:12] for _ in range(num_users)])
    recommended[3, 8:] = -1  # padding never counts
    relevant_sets = [
        set(rng.choice(num_items, rng.integers(0, 15), replace=False).tolist()) for _ in range(num_users)
    ]
    rows = [u for u, items in enumerate(relevant_sets) for _ in items]
    cols = [i for items in relevant_sets for i in items]
    relevant = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(num_users, num_items))
    got = map_at_k(recommended, relevant, k, denominator=denominator)
    assert got == pytest.approx(brute_force_map(recommended.tolist(), relevant_sets, k, denominator))


def test_map_at_k_limits_and_bad_input():
    perfect = sp.csr_array(np.array([[1, 1, 0, 0]]))
    assert map_at_k(np.array([[0, 1, 2]]), perfect, 3) == 1.0
    assert map_at_k(np.array([[2, 3, -1]]), perfect, 3) == 0.0
    one_hit_at_2 = sp.csr_array(np.array([[1, 0, 0, 1]]))  # of items 2, 0 recommended, only 0 is relevant
    assert map_at_k(np.array([[2, 0, 1]]), one_hit_at_2, 2, denominator="min") == (1 / 2) / 2
    with pytest.raises(ValueError, match="denominator"):
        map_at_k(np.array([[0]]), perfect, 1, denominator="all")
    with pytest.raises(ValueError, match="no user has a relevant item"):
        map_at_k(np.array([[0]]), sp.csr_array((1, 4)), 1)


def test_matmul_ceiling_is_positive():
    rates = matmul_ceiling(n=128, repeats=2, tensorflow=False)
    assert set(rates) == {"numpy", "numpy per CPU-s"}
    assert all(rate > 0 for rate in rates.values())


def small_results() -> dict:
    """A hand-made results dict with every section, as `python -m benchmarks` writes it."""
    accuracy_row = lambda name, kind, rmse: {  # noqa: E731
        "model": name, "kind": kind, "rmse_mean": rmse, "rmse_std": 0.01, "mae_mean": 0.7, "mae_std": 0.005,
        "fit_seconds": 1.5, "rmse_per_fold": {"u1": rmse + 0.01, "u2": rmse - 0.01},
    }  # fmt: skip
    ranking_row = lambda name, ndcg: {  # noqa: E731
        "model": name, "ndcg@10": ndcg, "precision@10": 0.4, "recall@10": 0.2, "hit_rate@10": 0.9, "mrr@10": 0.6,
        "map@10": 0.14, "map@10 (min)": 0.3, "coverage@10": 0.2, "sampled hit_rate@10": 0.7,
        "sampled ndcg@10": 0.45, "users": 943, "fit_seconds": 0.5,
    }  # fmt: skip
    section = lambda result: {  # noqa: E731
        "date": "2026-01-01 00:00 UTC", "command": "python -m benchmarks", "load_before": [1.0, 1.0, 1.0],
        "load_after": [2.0, 1.5, 1.0], "seconds": 12.0, "cpu_seconds": 20.0, "result": result,
    }  # fmt: skip
    throughput_row = {"model": "I-AutoRec", "batch_size": 256, "steps_per_execution": 1, "epoch_seconds": 0.3,
                      "first_epoch_seconds": 1.0, "samples_per_second": 5500.0, "gflops": 31.2,
                      "share_of_ceiling": 0.25, "gflops_per_cpu_second": 16.0, "cpu_share_of_ceiling": 0.26}  # fmt: skip
    scale_row = {"model": "mf", "dataset": None, "num_ratings": 100_000, "num_users": 943, "num_items": 1682,
                 "epoch_seconds": 0.5, "ratings_per_second": 200_000.0, "peak_rss_gb": 0.9}  # fmt: skip
    return {
        "command": "python -m benchmarks",
        "date": "2026-01-01 00:00 UTC",
        "quick": False,
        "machine": {"cpu": "Test CPU", "cpus": 2, "python": "3.11", "numpy": "2.0"},
        "sections": {
            "accuracy": section(
                {
                    "folds": ["u1", "u2"],
                    "rows": [
                        accuracy_row("I-AutoRec", "kit", 0.9123),
                        accuracy_row("blend (90 % fits)", "blend", 0.8987),
                        accuracy_row("Surprise SVD", "surprise", 0.9381),
                    ],
                    "blend_weights": {
                        "u1": {"intercept": 0.1, "I-AutoRec": 0.9},
                        "u2": {"intercept": 0.2, "I-AutoRec": 0.8},
                    },
                    "blend_models": ["I-AutoRec"],
                    "verdict": {
                        "target_rmse": 0.9,
                        "best_kit": "blend (90 % fits)",
                        "best_kit_rmse": 0.8987,
                        "met": True,
                        "margin": 0.0013,
                        "best_single_kit": "I-AutoRec",
                        "best_peer": "Surprise SVD",
                        "best_peer_rmse": 0.9381,
                    },
                    "published": {"Surprise SVD": 0.938},
                    "surprise_skipped": None,
                }
            ),
            "ranking": section(
                {
                    "split": "random 75/25 by user (seed=42)",
                    "k": 10,
                    "rows": [ranking_row("EASE", 0.4812), ranking_row("popularity", 0.2509)],
                    "ease": {"l2": 500.0, "validation_ndcg": {"200.0": 0.18, "500.0": 0.19}},
                    "published": {"BiVAE": 0.469},
                    "verdict": {
                        "target_ndcg": 0.47,
                        "best": "EASE",
                        "best_ndcg": 0.4812,
                        "met": True,
                        "margin": 0.0112,
                    },
                }
            ),
            "throughput": section(
                {
                    "matmul_n": 2048,
                    "ceiling_before": {"numpy": 124.0, "numpy per CPU-s": 62.0},
                    "ceiling_after": {"numpy": 120.0, "numpy per CPU-s": 61.0},
                    "ceiling_gflops": 124.0,
                    "ceiling_gflops_per_cpu_second": 62.0,
                    "quiet_ceiling_gflops": 130.0,
                    "rows": [throughput_row],
                    "verdict": {
                        "target_share": 0.4,
                        "best_autorec": {"batch_size": 256, "steps_per_execution": 1},
                        "best_share": 0.25,
                        "best_cpu_share": 0.26,
                        "best_quiet_share": 0.24,
                        "met": False,
                        "margin": -0.15,
                    },
                }
            ),
            "notebooks": section({"skipped": "not run in --quick mode"}),
            "scale": section(
                {
                    "committed": {
                        "runs": [
                            {
                                "command": "python -m benchmarks.scale_benchmark",
                                "date": "2026-01-01",
                                "load": "1.0 → 2.0",
                                "models": ["mf", "autorec"],
                            }
                        ],
                        "machine": "m",
                        "rows": [scale_row, {**scale_row, "num_ratings": 200_000}],
                        "exponents": {"mf": 1.02, "autorec": 1.6},
                        "linear": {"mf": True, "autorec": False},
                        "largest": {**scale_row, "num_ratings": 200_000},
                        "peak_met": True,
                        "linear_met": True,
                    },
                    "live": {"model": "mf", "epochs": 2, "rows": [scale_row], "exponent": 0.98},
                }
            ),
        },
    }


def test_render_is_pure_and_shows_every_section():
    results = small_results()
    before = copy.deepcopy(results)
    text = render(results)
    assert results == before  # render changes nothing
    assert text == render(results)  # and gives the same page every time
    for needle in ("# Benchmarks", "## 1. Accuracy", "0.8987", "**met**", "## 2. Ranking", "0.4812", "λ = 500",
                   "## 3. Throughput", "124.0 GFLOP/s", "**not met**", "## 4. Notebook cost", "not run in --quick",
                   "## 5. Scale", "b = 0.98", "mf 1.02", "met** for\nmf; not for\nautorec", "python -m benchmarks", "Test CPU", "[1.0, 1.0, 1.0]"):  # fmt: skip
        assert needle in text, needle


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every markdown table of `text`: its lines (runs of lines that start with "|"), each split into cells."""
    tables, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            assert line.rstrip().endswith("|"), f"a table line must end with '|': {line!r}"
            current.append([cell.strip() for cell in line.rstrip()[1:-1].split("|")])
        elif current:
            tables.append(current)
            current = []
    return tables


def number(cell: str) -> float:
    """A rendered number: '0.8987', '5,500', '+0.100', '25.0%' (as 0.25)."""
    text = cell.replace(",", "")
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


NUMERIC = re.compile(r"^[+-]?[\d,]*\.?\d+%?$")


def test_render_tables_are_well_formed_and_their_numbers_are_the_results():
    results = small_results()
    text = render(results)
    assert not re.search(r"\bnan\b", text), "a number is missing from the page (rendered as nan)"
    tables = markdown_tables(text)
    headers = [table[0][0] for table in tables]
    assert headers == ["target", "model", "fold", "model", "model", "ratings", "model"], headers
    for table in tables:
        header, separator, *rows = table
        assert rows, f"a table without rows: {header}"
        assert all(header) and all(re.fullmatch(r":?-{3,}:?", cell) for cell in separator), table[:2]
        assert len(separator) == len(header), header
        for row in rows:
            assert len(row) == len(header), (header, row)  # every row has the header's cell count
            assert all(row) and not {"nan", "None", "–"} & set(row), row
            for cell in row:
                if NUMERIC.match(cell):
                    assert np.isfinite(number(cell)), cell
    by_name = lambda table, column: {row[0]: row[table[0].index(column)] for row in table[2:]}  # noqa: E731
    accuracy, weights, ranking, throughput = tables[1], tables[2], tables[3], tables[4]
    rmse = {row["model"]: row["rmse_mean"] for row in results["sections"]["accuracy"]["result"]["rows"]}
    assert {m: number(v) for m, v in by_name(accuracy, "mean RMSE").items()} == rmse
    assert {m: number(v) for m, v in by_name(accuracy, "u1 RMSE").items()} == pytest.approx(
        {m: r + 0.01 for m, r in rmse.items()}
    )
    assert [number(v) for v in by_name(weights, "I-AutoRec").values()] == [0.9, 0.8]
    assert {m: number(v) for m, v in by_name(ranking, "NDCG@10").items()} == {
        "EASE": 0.4812,
        "popularity": 0.2509,
    }
    assert number(by_name(throughput, "samples/s")["I-AutoRec"]) == 5500
    assert [number(row[2]) for row in tables[6][2:]] == [100_000, 200_000]  # the committed scale rows


def test_render_says_what_was_not_run():
    results = small_results()
    del results["sections"]["scale"]
    results["sections"]["ranking"] = {**results["sections"]["ranking"], "error": "ValueError: boom"}
    del results["sections"]["ranking"]["result"]
    text = render(results)
    assert "python -m benchmarks --sections scale" in text
    assert "ValueError: boom" in text


@pytest.mark.real_data
@pytest.mark.slow
def test_quick_mode_end_to_end(ml100k, tmp_path):
    from benchmarks.__main__ import main

    results = main(["--quick", "--out", str(tmp_path)])
    written = json.loads((tmp_path / "benchmarks.json").read_text())
    assert written == json.loads(json.dumps(results))
    assert written["quick"] is True and set(written["sections"]) == set(SECTIONS)
    # the markdown regenerates from the JSON
    assert (tmp_path / "benchmarks.md").read_text() == render(written)
    for name, section in written["sections"].items():
        assert "error" not in section, (name, section.get("error"))
        assert {"date", "command", "seconds", "load_before", "load_after", "result"} <= set(section)
    accuracy = written["sections"]["accuracy"]["result"]
    assert accuracy["folds"] == ["u1"]
    names = {row["model"] for row in accuracy["rows"]}
    assert {"I-AutoRec", "biased MF", "MLP regression", "user+item bias", "blend (90 % fits)"} <= names
    assert "two-tower" not in names  # it predicts no ratings
    if accuracy["surprise_skipped"] is None:
        assert {"Surprise SVD", "Surprise BaselineOnly"} <= names
    for row in accuracy["rows"]:
        assert 0.5 < row["rmse_mean"] < 1.6 and row["mae_mean"] < row["rmse_mean"]
    assert set(accuracy["verdict"]) >= {"target_rmse", "best_kit", "best_kit_rmse", "met", "margin"}
    ranking = written["sections"]["ranking"]["result"]
    assert {row["model"] for row in ranking["rows"]} == {
        "popularity", "user+item bias", "biased MF", "I-AutoRec", "two-tower", "MLP regression", "EASE",
        "EASE + two-tower (score blend)",
    }  # fmt: skip
    assert float(ranking["blend"]["alpha"]) in {float(a) for a in ranking["blend"]["validation_ndcg"]}
    for row in ranking["rows"]:
        assert {"ndcg@10", "recall@10", "map@10", "sampled hit_rate@10", "sampled ndcg@10"} <= set(row)
        assert 0 <= row["map@10"] <= row["map@10 (min)"] <= 1
    assert {"met", "margin", "best"} <= set(ranking["verdict"])
    throughput = written["sections"]["throughput"]["result"]
    assert throughput["ceiling_gflops"] > 0
    assert {row["model"] for row in throughput["rows"]} == {"I-AutoRec", "biased MF", "MLP regression"}
    assert all(row["gflops"] > 0 and row["samples_per_second"] > 0 for row in throughput["rows"])
    assert "skipped" in written["sections"]["notebooks"]["result"]
    assert "committed" in written["sections"]["scale"]["result"]
    # a section rerun keeps the others
    rerun = main(["--quick", "--out", str(tmp_path), "--sections", "notebooks"])
    assert rerun["sections"]["accuracy"] == written["sections"]["accuracy"]


def test_unknown_section_is_refused(capsys):
    from benchmarks.__main__ import main

    with pytest.raises(SystemExit):
        main(["--quick", "--sections", "accuracy,speed"])
    assert "unknown section 'speed'" in capsys.readouterr().err


def test_the_reference_on_a_case_worked_by_hand():
    # hits at ranks 1 and 3 of 2 relevant items: (1/1 + 2/3) / 2
    assert brute_force_map([[5, 7, 6]], [{5, 6}], 3) == pytest.approx((1 / 1 + 2 / 3) / 2)


def test_notebook_time_is_decided_only_without_other_work():
    from benchmarks.notebooks import verdict

    result = {"rows": [{"notebook": "a", "status": "passed", "kernel_peak_gb": 1.0}], "total_seconds": 420.0}
    assert verdict(result, max_load=2.1, cpus=2)["total_met"] is True  # the notebook's own threads
    assert verdict(result, max_load=3.3, cpus=2)["total_met"] is None  # other work held the cores
    assert verdict({**result, "total_seconds": 700.0}, max_load=1.0, cpus=2)["total_met"] is False


def test_run_notebooks_sets_the_parameters_in_a_copy(tmp_path):
    from benchmarks.run_notebooks import with_parameters

    source = ROOT / "notebooks" / "06_end_to_end.ipynb"
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes())
    assert with_parameters(path, None, None) == path  # nothing set: the notebook itself
    copy = with_parameters(path, "ml-latest-small", 7)
    assert copy.parent == path.parent and copy.name.startswith(".run-")  # beside it: relative paths hold
    cells = nbformat.read(copy, as_version=4).cells
    params = next(c.source for c in cells if "parameters" in c.metadata.get("tags", []))
    assert 'DATASET = "ml-latest-small"' in params.splitlines()[0] and "SEED = 7" in params
    assert path.read_bytes() == source.read_bytes()  # the original is untouched
    nb = nbformat.read(path, as_version=4)
    next(c for c in nb.cells if "parameters" in c.metadata.get("tags", [])).source = "K = 10"
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="no DATASET line"):
        with_parameters(path, "synthetic", None)
