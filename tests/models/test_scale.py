"""recsys_lab.models.scale: MovieLens-shaped sizes, a measurement in a child process, exponents, the plot."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest

from recsys_lab import scale, viz


def test_shape_for_meets_movielens_at_both_ends_and_grows():
    assert scale.shape_for(100_000) == (943, 1_682)
    assert scale.shape_for(25_000_095) == (162_541, 62_423)
    sizes = np.geomspace(1_000, 50_000_000, 40).astype(int)
    shapes = np.array([scale.shape_for(int(n)) for n in sizes])
    assert (np.diff(shapes, axis=0) >= 0).all()  # users and items never shrink as ratings grow
    density = sizes / shapes.prod(axis=1)
    assert density.max() <= 1.05 * scale.MAX_DENSITY and density[-1] < density[len(sizes) // 2]


@pytest.mark.parametrize("bad", [999, 0, -5, 1_000.5])
def test_shape_for_rejects_tiny_or_fractional_sizes(bad):
    with pytest.raises(ValueError, match="num_ratings must be an integer >= 1,000"):
        scale.shape_for(bad)


def test_exponent_recovers_a_planted_power_law():
    x = np.geomspace(1e5, 2.5e7, 8)
    table = pd.DataFrame({"num_ratings": x, "epoch_seconds": 3e-6 * x**1.37})
    assert scale.exponent(table) == pytest.approx(1.37)
    with pytest.raises(ValueError, match="two distinct"):
        scale.exponent(table.iloc[:1])


def test_measure_checks_its_arguments_before_starting_a_process():
    with pytest.raises(ValueError, match="unknown model 'svd'; choose one of mf, mf-lazy, autorec"):
        scale.measure(5_000, model="svd")
    with pytest.raises(ValueError, match="unknown dataset"):
        scale.measure(None, dataset="ml-1b")
    with pytest.raises(ValueError, match="epochs and batch_size must be >= 1"):
        scale.measure(5_000, epochs=0)
    with pytest.raises(ValueError, match="num_ratings must be an integer"):
        scale.measure(10)


def test_loglog_has_log_axes_a_line_per_model_and_a_slope_one_guide():
    table = pd.DataFrame(
        {"model": ["mf", "mf", "autorec", "autorec"], "num_ratings": [1e5, 1e6, 1e5, 1e6],
         "epoch_seconds": [0.4, 4.0, 1.0, 40.0], "peak_rss_gb": [0.6, 1.0, 0.7, 2.0]}
    )  # fmt: skip
    fig = viz.loglog(table)
    assert fig.layout.xaxis.type == fig.layout.yaxis.type == fig.layout.xaxis2.type == "log"
    names = [trace.name for trace in fig.data]
    assert names.count("mf") == names.count("autorec") == 2 and any("slope 1" in n for n in names)
    guide = fig.data[-1]
    assert guide.y[1] / guide.y[0] == pytest.approx(guide.x[1] / guide.x[0])


def test_loglog_draws_real_data_apart_from_the_synthetic_line():
    table = pd.DataFrame(
        {"model": ["mf"] * 3, "num_ratings": [1e5, 1e6, 100_836], "epoch_seconds": [0.4, 4.0, 0.5],
         "peak_rss_gb": [0.6, 1.0, 0.6], "dataset": [None, None, "ml-latest-small"]}
    )  # fmt: skip
    traces = {trace.name: trace for trace in viz.loglog(table).data}
    assert len(traces["mf"].x) == 2 and traces["mf (ml-latest-small)"].mode == "markers"


def test_sizes_double_up_to_ml25m():
    from benchmarks.scale_benchmark import sizes_up_to

    sizes = sizes_up_to(25_000_095)
    assert sizes[0] == 100_000 and sizes[-2] == 12_800_000 and sizes[-1] == 25_000_095
    assert sizes_up_to(400_000) == [100_000, 200_000, 400_000]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """The --quick benchmark for MF (worlds of 2,000 and 5,000 ratings, one child process each)."""
    from benchmarks.scale_benchmark import main

    out = tmp_path_factory.mktemp("scale")
    return main(["--quick", "--models", "mf", "--epochs", "1", "--out", str(out)]), out


@pytest.mark.slow
def test_measure_runs_in_a_child_on_a_tiny_world(quick_run):
    row = quick_run[0].iloc[-1]  # what scale.measure(5_000, epochs=1) returned
    assert row["num_ratings"] == 5_000 and (row["num_users"], row["num_items"]) == scale.shape_for(5_000)
    assert row["model"] == "mf" and row["batch_size"] == scale.BATCH_SIZE["mf"] and row["dataset"] is None
    assert row["epoch_seconds"] > 0 and row["epoch_cpu_seconds"] > 0 and row["generate_seconds"] >= 0
    assert row["ratings_per_second"] == pytest.approx(5_000 / row["epoch_seconds"])
    assert 0 < row["fit_peak_rss_gb"] <= row["peak_rss_gb"] < 8  # TensorFlow alone is ~0.6 GB


@pytest.mark.slow
def test_quick_benchmark_writes_its_table_and_report(quick_run):
    from benchmarks.scale_benchmark import main

    table, out = quick_run
    assert list(table["num_ratings"]) == [2_000, 5_000]
    report = json.loads((out / "scale.json").read_text())
    assert report["runs"][0]["command"].endswith(f"--epochs 1 --out {out}") and len(report["rows"]) == 2
    text = (out / "scale.md").read_text()
    assert "| mf | synthetic | 78 | 320 | 5,000 |" in text and "tf.distribute" in text
    assert "](scale.svg)" in text
    svg = ElementTree.fromstring((out / "scale.svg").read_text())
    lines = [e for e in svg if e.tag.endswith("polyline") and "stroke-width" in e.attrib]
    assert len(lines) == 1 and len(lines[0].attrib["points"].split()) == 2  # mf's two worlds, one line
    main(["--render", "--out", str(out)])  # the report again from scale.json alone, without measuring
    assert (out / "scale.md").read_text() == text


@pytest.mark.slow
def test_add_keeps_the_other_models_rows_and_runs(quick_run, tmp_path):
    from benchmarks.scale_benchmark import main

    _, first = quick_run
    (tmp_path / "scale.json").write_text((first / "scale.json").read_text())
    main(["--quick", "--models", "mf-lazy", "--epochs", "1", "--out", str(tmp_path), "--add"])
    report = json.loads((tmp_path / "scale.json").read_text())
    assert [r["model"] for r in report["rows"]] == ["mf", "mf", "mf-lazy", "mf-lazy"]
    assert [r["models"] for r in report["runs"]] == [["mf"], ["mf-lazy"]]
    text = (tmp_path / "scale.md").read_text()
    assert "Biased MF with LazyAdam" in text and "LazyAdam is" in text  # compared with Adam at the same size
    assert all(run["command"] in text for run in report["runs"])
