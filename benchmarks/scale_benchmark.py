"""Scale (issue #7, §5): epoch time and peak memory of biased MF and AutoRec as MovieLens-shaped data grows.

    python -m benchmarks.scale_benchmark                  # MF 100k..25M, AutoRec 100k..3.2M, ml-latest-small
    python -m benchmarks.scale_benchmark --quick --out D  # tiny worlds, < 60 s (no --out: writes nothing)
    python -m benchmarks.scale_benchmark --render         # docs/scale.md and scale.svg again from docs/scale.json

Sizes double from 100,000 ratings up to --max-ratings (ml-25m's 25,000,095 the last); users and items follow
`recsys_lab.models.scale.shape_for`, so the matrix gets sparser as in MovieLens. Each row is one fresh child process
(`scale.measure`): the world is generated, then the model is trained for --epochs epochs; epoch time is the
median over epochs after the first. The full run writes docs/scale.json and docs/scale.md (--out: elsewhere).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import shlex
import sys
from pathlib import Path

import pandas as pd

from benchmarks.common import ROOT, describe_machine
from recsys_lab import scale

PROG = "python -m benchmarks.scale_benchmark"
REAL = "ml-latest-small"
AUTOREC_MAX = 3_200_000  # beyond it AutoRec (cost ∝ users × items × hidden) takes too long on 2 CPU cores
# (header, column, format) of the markdown tables
TABLE = [("model", "model", "{}"), ("data", "data", "{}"), ("users", "num_users", "{:,}"),
         ("items", "num_items", "{:,}"),
         ("ratings", "num_ratings", "{:,}"), ("density %", "density_pct", "{:.2f}"),
         ("make data s", "generate_seconds", "{:.1f}"), ("epoch s", "epoch_seconds", "{:.2f}"),
         ("epoch CPU s", "epoch_cpu_seconds", "{:.2f}"), ("ratings/s", "ratings_per_second", "{:,.0f}"),
         ("peak RSS GB", "peak_rss_gb", "{:.2f}"),
         ("training peak RSS GB", "fit_peak_rss_gb", "{:.2f}")]  # fmt: skip
SLOPES = [("model", "model", "{}"), ("epoch time", "epoch_seconds", "{:.2f}"),
          ("epoch CPU time", "epoch_cpu_seconds", "{:.2f}"), ("peak RSS", "peak_rss_gb", "{:.2f}"),
          ("training peak RSS", "fit_peak_rss_gb", "{:.2f}"), ("users + items", "ids", "{:.2f}"),
          ("users × items", "cells", "{:.2f}")]  # fmt: skip


def sizes_up_to(max_ratings: int, start: int = 100_000) -> list[int]:
    """start, 2 start, 4 start, ... below max_ratings, then max_ratings itself."""
    sizes = [start]
    while sizes[-1] * 2 < max_ratings:
        sizes.append(sizes[-1] * 2)
    return [n for n in sizes if n < max_ratings] + [max_ratings]


def exponents(table: pd.DataFrame) -> pd.DataFrame:
    """Per model, over the synthetic rows: b in y ∝ ratings^b for time, memory and the matrix's size."""
    rows = []
    for model, part in table[table["data"] == "synthetic"].groupby("model", sort=False):
        part = part.assign(
            cells=part["num_users"] * part["num_items"], ids=part["num_users"] + part["num_items"]
        )
        rows.append({"model": model, **{y: scale.exponent(part, y=y) for _, y, _ in SLOPES[1:]}})
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame, columns: list[tuple[str, str, str]]) -> str:
    """A markdown table of `frame`'s `columns` (header, column, format)."""
    lines = ["| " + " | ".join(header for header, _, _ in columns) + " |", "|" + "---|" * len(columns)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(form.format(row[column]) for _, column, form in columns) + " |")
    return "\n".join(lines)


def model_notes(model: str, part: pd.DataFrame, b: pd.Series, synthetic: pd.DataFrame | None = None) -> str:
    """The paragraph on one model: its growth from the smallest to the largest synthetic world, and why.

    `synthetic` (all models' synthetic rows) lets the LazyAdam paragraph compare with Adam at the same size.
    """
    big, small = part.loc[part["num_ratings"].idxmax()], part.loc[part["num_ratings"].idxmin()]
    cpu_b, per = (
        b["epoch_cpu_seconds"],
        [r["epoch_cpu_seconds"] / r["num_ratings"] * 1e6 for r in (small, big)],
    )
    rate = f"CPU time per rating {per[0]:.1f} µs → {per[1]:.1f} µs"
    facts = dict(
        rate=rate,
        b=b,
        big=big,
        small=small,
        HIDDEN=HIDDEN,
        growth=big["num_ratings"] / small["num_ratings"],
        time_growth=big["epoch_seconds"] / small["epoch_seconds"],
        per_rating=(big["fit_peak_rss_gb"] - small["fit_peak_rss_gb"])
        * 1e9
        / (big["num_ratings"] - small["num_ratings"]),
        optimizer=f"this is why the measured exponent is above 1 ({rate})"
        if cpu_b > 1.05
        else f"at these sizes it stays small next to the batch work ({rate})",
        time_verdict=f"holds here (CPU-time exponent {cpu_b:.2f})"
        if cpu_b <= 1.15
        else f"is not met with Adam (CPU-time exponent {cpu_b:.2f})",
        rss_verdict="within the target" if big["peak_rss_gb"] <= 8 else "over the target",
        followed="the epoch's CPU time followed that product rather than the ratings"
        if abs(cpu_b - b["cells"]) < abs(cpu_b - 1)
        else "yet the epoch's CPU time stayed closer to the ratings at these sizes",
    )
    if model == "mf-lazy":  # beside Keras' Adam (the *mf* rows) at the same size
        adam = _same_size(synthetic, "mf", big["num_ratings"])
        facts["versus"] = (
            f"At {big['num_ratings']:,} ratings Keras' Adam (the *mf* rows) took {adam['epoch_seconds']:.1f} s "
            f"per epoch ({adam['epoch_cpu_seconds']:.1f} CPU s): LazyAdam is "
            f"{adam['epoch_cpu_seconds'] / big['epoch_cpu_seconds']:.1f} times less CPU time there."
            if adam is not None
            else "No Adam row of the same size to compare with."
        )
    return {"mf": MF_NOTES, "mf-lazy": LAZY_NOTES, "autorec": AUTOREC_NOTES}[model].format(**facts)


def _same_size(synthetic: pd.DataFrame | None, model: str, num_ratings: int) -> dict | None:
    """`model`'s synthetic row of `num_ratings` ratings, or None."""
    if synthetic is None:
        return None
    match = synthetic[(synthetic["model"] == model) & (synthetic["num_ratings"] == num_ratings)]
    return match.iloc[0].to_dict() if len(match) else None


def write_pages(report: dict, out: Path) -> None:
    """OUT/scale.md and its log-log figure OUT/scale.svg, both from the report alone."""
    (out / "scale.md").write_text(render(report))
    (out / "scale.svg").write_text(loglog_svg(report["rows"]))


def loglog_svg(rows: list[dict], width: int = 640, height: int = 420) -> str:
    """Epoch seconds against ratings on log-log axes as a standalone SVG (GitHub shows it in scale.md): one
    line per model over its synthetic rows, decade grid lines, and a dotted slope-1 line (time ∝ ratings)
    through the smallest world's first row."""
    synthetic = [r for r in rows if not r.get("dataset")]
    xs = [math.log10(r["num_ratings"]) for r in synthetic]
    ys = [math.log10(r["epoch_seconds"]) for r in synthetic]
    x0, x1, y0, y1 = math.floor(min(xs)), math.ceil(max(xs)), math.floor(min(ys)), math.ceil(max(ys))
    left, right, top, bottom = 70, 150, 20, 50

    def at(x: float, y: float) -> tuple[float, float]:  # log10 values → SVG pixels
        return (left + (x - x0) / (x1 - x0) * (width - left - right),
                height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom))  # fmt: skip

    def line(points, style: str) -> str:
        return (
            f'<polyline fill="none" {style} points="{" ".join(f"{px:.1f},{py:.1f}" for px, py in points)}"/>'
        )

    def text(px: float, py: float, words: str, style: str = "") -> str:
        return f'<text x="{px:.1f}" y="{py:.1f}" {style}>{words}</text>'

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
             f'font-size="12"><rect width="100%" height="100%" fill="white"/>']  # fmt: skip
    for x in range(x0, x1 + 1):  # decade grid lines, labelled
        (px, py), top_end = at(x, y0), at(x, y1)
        parts += [
            line([(px, py), top_end], 'stroke="#ddd"'),
            text(px, py + 16, f"1e{x}", 'text-anchor="middle"'),
        ]
    for y in range(y0, y1 + 1):
        (px, py), right_end = at(x0, y), at(x1, y)
        parts += [
            line([(px, py), right_end], 'stroke="#ddd"'),
            text(px - 6, py + 4, f"1e{y} s", 'text-anchor="end"'),
        ]
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
    models = list(dict.fromkeys(r["model"] for r in synthetic))
    for n, model in enumerate(models):
        colour = colours[n % len(colours)]
        points = [at(x, y) for x, y in sorted((x, y) for x, y, r in zip(xs, ys, synthetic, strict=True)
                                              if r["model"] == model)]  # fmt: skip
        parts.append(line(points, f'stroke="{colour}" stroke-width="2"'))
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in points]
        parts.append(text(width - right + 10, top + 20 * n + 10, model, f'fill="{colour}"'))
    fx, fy = min(zip(xs, ys, strict=True))  # slope 1 in log-log through the smallest world's first row
    parts += [line([at(fx, fy), at(fx + (rise := min(x1 - fx, y1 - fy)), fy + rise)], 'stroke="grey" stroke-dasharray="4 4"'),
              text(width - right + 10, top + 20 * len(models) + 10, "∝ ratings", 'fill="grey"'),
              text((left + width - right) / 2, height - 10, "ratings", 'text-anchor="middle"'),
              text(14, (top + height - bottom) / 2, "epoch time",
                   f'text-anchor="middle" transform="rotate(-90 14 {(top + height - bottom) / 2:.1f})"'), "</svg>"]  # fmt: skip
    return "\n".join(parts) + "\n"


def render(report: dict) -> str:
    """docs/scale.md from the report `main` writes to scale.json."""
    table = pd.DataFrame(report["rows"])
    table["data"] = table["dataset"].fillna("synthetic")
    table["density_pct"] = 100 * table["num_ratings"] / (table["num_users"] * table["num_items"])
    slopes = exponents(table)
    rows, slope_rows = markdown(table, TABLE), markdown(slopes, SLOPES)
    runs = report["runs"]
    commands = "\n".join(f"    {r['command']}" for r in runs)
    when = "; ".join(f"{', '.join(r['models'])} on {r['date']} (load {r['load']})" for r in runs)
    parts = [HEADER.format(**report, commands=commands, when=when, table=rows, slopes=slope_rows)]
    synthetic = table[table["data"] == "synthetic"]
    for model, part in synthetic.groupby("model", sort=False):
        parts.append(model_notes(model, part, slopes.set_index("model").loc[model], synthetic))
    real = table[table["data"] == REAL]
    if len(real):
        lines = [f"{r['model']} {r['epoch_seconds']:.2f} s per epoch, peak {r['peak_rss_gb']:.2f} GB" for _, r
                 in real.iterrows()]  # fmt: skip
        parts.append(REAL_NOTES.format(real=real.iloc[0], lines="; ".join(lines)))
    parts.append(DISTRIBUTE)
    return "\n".join(parts)


HIDDEN = 500  # AutoRec's hidden units (the default `scale.measure` trains)
HEADER = """# Scale: epoch time and peak memory as the data grows

Measured by `python -m benchmarks.scale_benchmark` (issue #7, §5); the commands, each adding its models' rows:

{commands}

Machine: {machine}. Runs: {when}. The 2 cores were shared with other work (the 1-minute load average,
at a run's start → end, is for 2 cores), so the times are what this machine gave, not its best; compare rows
with each other.

Each row is one fresh Python process (`recsys_lab.models.scale.measure`): it makes a synthetic world of that many
ratings (`make_synthetic`, users and items from `scale.shape_for`: log-space interpolation between ml-100k's
and ml-25m's shapes, so density falls as in MovieLens) or loads the real release, then trains for {epochs}
epochs. *epoch s* is the median over the epochs after the first (the first also traces the graph);
*ratings/s* = ratings / epoch s. *epoch CPU s* is the CPU time the process used in that epoch, all threads
together (up to 2 × epoch s on 2 cores): time spent waiting for cores that other work holds is not in it, so
on a shared machine its growth is the cleaner measure of how the work grows. *peak RSS* is the process's
high-water mark, making the data included; *training peak RSS* is the mark reset (Linux `clear_refs`)
once the data exists, so it is training's own
peak, with the ratings table still held. MF: `BiasedMF` (d = 32), (user, item, rating) triples sliced
from arrays in batches of 4,096, trained with Keras' Adam (*mf*) or with the kit's `LazyAdam` (*mf-lazy*). AutoRec: I-AutoRec (500 sigmoid units, Adam), one item's ratings by every
user per example, rows of a sparse matrix densified one batch of 256 at a time (`sparse_row_batches`).

## The table

{table}

## Growth exponents

b in y ∝ ratings^b, the least-squares slope in log-log space over the synthetic rows (`scale.exponent`);
1 means linear. The last two columns are the worlds' shapes along MovieLens' line, for reference.

{slopes}

![Epoch time against ratings, log-log, one line per model and a slope-1 guide](scale.svg)

The figure is `scale.svg`, drawn from the table; interactively: `viz.loglog(pd.DataFrame(json.load(open("docs/scale.json"))["rows"]))`.

## What grows linearly and what does not
"""
MF_NOTES = """
**Biased MF**: {small[num_ratings]:,} → {big[num_ratings]:,} ratings ({growth:,.0f}×).
Epoch time {small[epoch_seconds]:.2f} s → {big[epoch_seconds]:.1f} s ({time_growth:,.0f}×), exponent
{b[epoch_seconds]:.2f}; CPU time {small[epoch_cpu_seconds]:.2f} s → {big[epoch_cpu_seconds]:.1f} s, exponent
{b[epoch_cpu_seconds]:.2f}. Peak RSS {small[peak_rss_gb]:.2f} → {big[peak_rss_gb]:.2f} GB
(training's own peak {big[fit_peak_rss_gb]:.2f} GB;
making the world took {big[generate_seconds]:.1f} s).

- *Linear*: the work on the batches. An epoch is ratings / 4,096 steps and each step looks up, multiplies
  and differentiates 4,096 pairs of rows: that part is proportional to the ratings.
- *Not linear*: the optimizer. The embedding gradient touches only the batch's rows, but Keras' Adam
  decays its two moment estimates and moves *every* row of both tables on every step
  (`m += (g - m)(1 - β₁)` with g made dense), work ∝ (users + items) × d per step. Users + items grow
  like ratings^{b[ids]:.2f} along MovieLens' line, so this part of an epoch grows like
  ratings^(1 + {b[ids]:.2f}); {optimizer}.
  The kit's `LazyAdam` updates only the rows a batch touches (the *mf-lazy* rows below). The benchmark
  target "time grows about linearly with ratings" {time_verdict}.
- *Fixed in the kit, not visible here*: Keras' own `Embedding` layer reads its whole table as a tensor
  before taking the batch's rows, and the optimizer's in-place update of those rows then makes TensorFlow
  copy the table, a second cost ∝ the tables per step. The kit's `recsys_lab.models.sparse.Embedding`
  (used by every row of this table) gathers the rows from the variable instead; notebook 07 times one
  step both ways.
- *Memory*: the smallest run's {small[fit_peak_rss_gb]:.2f} GB is mostly TensorFlow itself (importing it
  takes about 0.6 GB), a constant; that is why the RSS exponent, {b[peak_rss_gb]:.2f}, is below 1 although
  what comes on top grows with the ratings: {per_rating:.0f} bytes per rating between the smallest and the
  largest run, for the ratings table, the encoded index arrays, the `seen` matrix and the copies Keras
  slices batches from. The model itself is small: (users + items) × (32 + 1) floats, three times over with
  Adam's slots, about 90 MB at ml-25m's shape (arithmetic). The target "an ml-25m-shaped epoch runs within
  8 GB RSS": peak {big[peak_rss_gb]:.2f} GB at {big[num_ratings]:,} ratings, {rss_verdict}.
"""
LAZY_NOTES = """
**Biased MF with LazyAdam** (`TrainConfig(optimizer="lazy_adam")`): {small[num_ratings]:,} →
{big[num_ratings]:,} ratings ({growth:,.0f}×). Epoch time {small[epoch_seconds]:.2f} s →
{big[epoch_seconds]:.1f} s ({time_growth:,.0f}×), exponent {b[epoch_seconds]:.2f}; CPU time
{small[epoch_cpu_seconds]:.2f} s → {big[epoch_cpu_seconds]:.1f} s, exponent {b[epoch_cpu_seconds]:.2f}
({rate}). Peak RSS {small[peak_rss_gb]:.2f} → {big[peak_rss_gb]:.2f} GB.

- *Linear*: each step reads and writes the batch's rows only, in the lookup (the kit's `Embedding`) and in
  the optimizer (LazyAdam applies Adam's rule to those rows; the others' moment estimates wait instead of
  decaying). What is left grows with the ratings. {versus}
- *What changes in training*: a row's moments pause while it is absent from the batches instead of decaying.
  Measured once (2026-11-28) on ml-100k's u1 with chapter 03's settings: test RMSE 0.9283 with LazyAdam,
  0.9265 with Adam (`recipes.build("biased MF", seed=42)`, its `config` with `optimizer="lazy_adam"`). The
  chapters keep Keras' Adam, so their numbers stay as they are.
"""
AUTOREC_NOTES = """
**I-AutoRec**: {small[num_ratings]:,} → {big[num_ratings]:,} ratings ({growth:,.0f}×).
Epoch time {small[epoch_seconds]:.2f} s → {big[epoch_seconds]:.1f} s ({time_growth:,.0f}×), exponent
{b[epoch_seconds]:.2f}; CPU time {small[epoch_cpu_seconds]:.2f} s → {big[epoch_cpu_seconds]:.1f} s, exponent
{b[epoch_cpu_seconds]:.2f}. Peak RSS {small[peak_rss_gb]:.2f} → {big[peak_rss_gb]:.2f} GB.

- *Not linear, by construction*: every example is an item's full row of users, zeros included, so an
  epoch multiplies items × users entries by the {HIDDEN}-unit weight matrices, about 10 × users × items ×
  hidden floating-point operations (forward and backward through both layers), however few of those
  entries are ratings. Users × items grows like ratings^{b[cells]:.2f} here (density falls), and
  {followed}.
- *Memory*: W (users × {HIDDEN}) and V ({HIDDEN} × users), their gradients and Adam's two slots, and a
  dense batch of 256 × users floats for inputs, targets and outputs: it grows with the users, not with the
  ratings (exponent {b[fit_peak_rss_gb]:.2f} for training's peak).
- *Why the sweep stops at {big[num_ratings]:,}*: at ml-25m's shape W and V hold 2 × 162,541 × {HIDDEN}
  = 162.5 million weights, 0.65 GB in float32, about 2.6 GB with gradients and Adam's slots, and a batch
  is 256 × 162,541 floats (0.17 GB) per dense copy: it would fit in 8 GB. Time is what rules it out: one
  epoch is about 10 × 62,423 × 162,541 × {HIDDEN} ≈ 5 × 10^13 operations, over six minutes even at the
  130 GFLOP/s this machine's matrix products reach at best (arithmetic, not measured): GPU work.
  U-AutoRec has the same product users × items, with rows of 62,423 items instead.
"""
REAL_NOTES = """
**Real data, {real[dataset]}** ({real[num_users]:,} users × {real[num_items]:,} items, {real[num_ratings]:,}
ratings): {lines}.
Compare the synthetic 100,000-rating rows: about as many ratings, another shape.
"""
DISTRIBUTE = """
## The same code on several GPUs or machines: `tf.distribute`

Nothing in the models has to change; where they are *built* does. A strategy decides which devices hold
variables and run steps, and Keras' `fit` follows it when the model and its optimizer are created inside
`strategy.scope()`. In this kit both are created by `fit` (`KerasRecommender._train` compiles the network),
so the whole call goes in the scope:

    strategy = tf.distribute.MirroredStrategy()          # every GPU of this machine
    with strategy.scope():
        model = BiasedMF().fit(train, config=TrainConfig(batch_size=4096 * strategy.num_replicas_in_sync))

`MirroredStrategy` keeps one copy of every variable per GPU. The batch given to `fit` is the *global* batch:
each step it is split evenly across the replicas, each computes gradients on its share, the gradients are
summed across GPUs (all-reduce) and every replica applies the same update, so the copies stay identical.
Scaling the global batch with the number of replicas keeps each GPU's work per step constant (the learning
rate may then need raising). `MultiWorkerMirroredStrategy` does the same across machines: every machine runs
the same script, told by the `TF_CONFIG` environment variable who is in the cluster and which one it is,
and the all-reduce goes over the network.

What the table says about how far that goes: AutoRec's steps are dense matrix products, which split well,
and it all-reduces its two weight matrices each step (0.65 GB at ml-25m's shape). MF's steps are tiny and its
cost is in the embedding tables, which data parallelism copies to every GPU and whose full-table Adam update
every replica repeats; at real catalogue sizes the tables are *sharded* across devices instead
(`ParameterServerStrategy`, or a distributed embedding layer such as keras-rs's `DistributedEmbedding`).
"""


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny worlds (2k and 5k ratings), no real data")
    parser.add_argument("--max-ratings", type=int, default=scale.ML25M[2], help="largest synthetic world")
    parser.add_argument(
        "--autorec-max-ratings", type=int, default=AUTOREC_MAX, help="largest world for AutoRec"
    )
    parser.add_argument("--models", default="mf,autorec", help="comma-separated: mf, mf-lazy, autorec")
    parser.add_argument(
        "--add", action="store_true", help="keep OUT/scale.json's rows of the other models, add this run's"
    )
    parser.add_argument("--epochs", type=int, default=2, help="epochs per run; the first is not timed if > 1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="folder for scale.json and scale.md (full run: docs/)")
    parser.add_argument(
        "--render",
        action="store_true",
        help="only rewrite OUT/scale.md and OUT/scale.svg from OUT/scale.json",
    )
    args = parser.parse_args(argv)
    out = args.out or (None if args.quick else ROOT / "docs")
    if args.render:
        report = json.loads((out / "scale.json").read_text())
        write_pages(report, out)
        return pd.DataFrame(report["rows"])
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    for m in models:
        if m not in scale.MODELS:
            parser.error(f"unknown model {m!r}; choose from {', '.join(scale.MODELS)}")
    command = shlex.join([*PROG.split(), *(sys.argv[1:] if argv is None else argv)])
    load_before, rows = os.getloadavg()[0], []
    for model in models:
        top = min(args.max_ratings, args.autorec_max_ratings) if model == "autorec" else args.max_ratings
        sizes = [2_000, 5_000] if args.quick else sizes_up_to(top)
        jobs = [(n, None) for n in sizes] + ([] if args.quick else [(None, REAL)])
        for n, dataset in jobs:
            row = scale.measure(n, model=model, epochs=args.epochs, seed=args.seed, dataset=dataset)
            rows.append(row)
            print(f"{model:8s} {dataset or 'synthetic':16s} {row['num_users']:>8,} x {row['num_items']:>7,} "
                  f"{row['num_ratings']:>11,} ratings  make {row['generate_seconds']:6.1f} s  "
                  f"epoch {row['epoch_seconds']:8.2f} s (CPU {row['epoch_cpu_seconds']:8.2f} s)  "
                  f"{row['ratings_per_second']:>10,.0f}/s  "
                  f"peak {row['peak_rss_gb']:.2f} GB (training {row['fit_peak_rss_gb']:.2f})",
                  flush=True)  # fmt: skip
    table = pd.DataFrame(rows)
    print(exponents(table.assign(data=table["dataset"].fillna("synthetic"))).round(2).to_string(index=False))
    if out is not None:
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        run = {"command": command, "date": now, "models": models,
               "load": f"{load_before:.1f} → {os.getloadavg()[0]:.1f}"}  # fmt: skip
        report = {"runs": [run], "machine": describe_machine(), "epochs": args.epochs, "rows": rows}
        if args.add and (out / "scale.json").exists():  # the other models' rows and runs stay as measured
            old = json.loads((out / "scale.json").read_text())
            kept = [r for r in old["rows"] if r["model"] not in models]
            runs = [{**r, "models": [m for m in r["models"] if m not in models]} for r in old["runs"]]
            runs = [r for r in runs if r["models"]]  # a run whose rows were all replaced is gone
            report = {**report, "runs": [*runs, run], "rows": [*kept, *rows]}
        out.mkdir(parents=True, exist_ok=True)
        (out / "scale.json").write_text(json.dumps(report, indent=1) + "\n")
        write_pages(report, out)
    return table


if __name__ == "__main__":
    main()
