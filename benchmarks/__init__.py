"""Benchmarks of the kit beside the tools a learner would otherwise use, one command for all of them.

    python -m benchmarks                       # every section, writes docs/benchmarks.json and docs/benchmarks.md
    python -m benchmarks --quick --out /tmp/b  # the same code on one fold with 1 epoch (CI), < 90 s
    python -m benchmarks --sections ranking    # one section; the others are kept from OUT/benchmarks.json

Sections, one module each (each has `run(quick=...) -> dict`, JSON-ready):

* `accuracy`: ml-100k's official folds u1-u5, every rating model of the course with its chapter's settings,
  a least-squares blend of them, and Surprise's BaselineOnly, SVD, SVD++ and KNNBaseline; RMSE, MAE, fit time.
* `ranking`: the 75/25-per-user split microsoft/recommenders publishes ml-100k numbers for; NDCG, precision,
  recall and MAP at 10 over the full catalogue, and HR/NDCG@10 against 99 sampled negatives.
* `throughput`: training samples/s and achieved FLOP/s of I-AutoRec, biased MF and the MLP beside a float32
  matmul measured in the same run (the machine's ceiling).
* `notebooks`: wall time and kernel peak RSS of every notebook run headless (`run_notebooks` below).
* `scale`: a small live growth measurement (`recsys_lab.models.scale`) and the committed full table (docs/scale.json).

`report.render(results)` turns the JSON into the markdown, so docs/benchmarks.md can always be regenerated.

Experiments, one module each, run from the repository root with their own arguments (`--help`); what they share
with the sections is in `common` (e.g. `describe_machine()`, the one-line machine description they print):

    python -m benchmarks.baseline_folds         # global mean, popularity and bias baselines on u1-u5: RMSE, MAE
    python -m benchmarks.autorec_targets        # I-AutoRec on a random 90/10 split and u1-u5, tuned on validation
    python -m benchmarks.bench_autorec          # I-AutoRec epoch time and GFLOP/s beside a float32 matmul
    python -m benchmarks.inner_product_targets  # §3.3: biased MF on u1-u5, two-tower vs popularity, ANN recall
    python -m benchmarks.regression_targets     # §3.4: the MLP on u1-u5 beside bias and biased MF; cold users
    python -m benchmarks.item_cnn_targets       # §3.2: text and poster CNNs on cold-start items vs baselines
    python -m benchmarks.scale_benchmark        # §5: epoch time, peak RSS up to ml-25m's shape: docs/scale.*
    python -m benchmarks.run_notebooks          # every notebook headless: wall time, kernel peak RSS

This folder is not part of the installed package (pyproject's `packages.find` includes `recsys_lab*` only).
"""

SECTIONS = ("accuracy", "ranking", "throughput", "notebooks", "scale")
SEED = 42
