"""docs/benchmarks.md from the results `python -m benchmarks` writes to benchmarks.json: `render` is pure.

>>> text = render({"command": "python -m benchmarks", "date": "2026-01-01 00:00 UTC", "quick": False,
...                "machine": {"cpu": "x", "cpus": 2}, "sections": {}})
>>> text.startswith("# Benchmarks")
True
"""

from __future__ import annotations

import math

MET = {True: "met", False: "not met", None: "not decided"}


def _f(value, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, int | float):
        return f"{value:,.{digits}f}"
    return str(value)


def table(rows: list[dict], columns: dict[str, tuple[str, int]]) -> str:
    """A markdown table: `columns` maps a header to (row key, decimals); decimals -1 means as text."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [str(row.get(key, "–")) if d < 0 else _f(row.get(key), d) for key, d in columns.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _header(results: dict) -> str:
    m = results.get("machine", {})
    versions = ", ".join(f"{k} {v}" for k, v in m.items() if k not in ("cpu", "cpus", "platform") and v)
    mode = (
        " (**quick mode**: one fold, 1 epoch per Keras model; not the numbers to quote)"
        if results.get("quick")
        else ""
    )
    used = list(
        dict.fromkeys(
            sec.get("command") for sec in results.get("sections", {}).values() if sec.get("command")
        )
    )
    if len(used) > 1:
        commands = "Commands (each section names its own, with its date): " + ", ".join(
            f"`{c}`" for c in used
        )
    else:
        commands = f"Command: `{results.get('command')}`, {results.get('date')}"
    loads = [x for sec in results.get("sections", {}).values() for x in (sec.get("load_before") or [])[:1]
             + (sec.get("load_after") or [])[:1]]  # fmt: skip
    if loads and max(loads) > (m.get("cpus") or 1):
        contention = (
            f"The machine's {m.get('cpus')} cores were **shared with other work** during the run (1-minute load "
            f"average up to {max(loads):.1f}): times are what it gave, inflated by contention, not its best. Each "
            "section lists the 1/5/15-minute load averages at its start and end and its CPU time (this process's "
            "threads), which waiting for a core does not inflate. Accuracy numbers do not depend on the load."
        )
    else:
        contention = (
            "The load average stayed at or below the number of cores: the times are the machine's own."
        )
    return f"""# Benchmarks: the kit beside the tools a learner would otherwise use

Written by `python -m benchmarks` (issue #9){mode}. Regenerate this page from `benchmarks.json` with
`python -m benchmarks --render`; rerun one section with `--sections NAME` (the others are kept).

- {commands}
- Machine: {m.get("cpu")}, {m.get("cpus")} CPUs, {m.get("platform", "")}; {versions}.

{contention}
"""


def _section_line(section: dict) -> str:
    before, after = section.get("load_before"), section.get("load_after")
    return (f"*Run {section.get('date')}, {_f(section.get('seconds'), 0)} s ({_f(section.get('cpu_seconds'), 0)} CPU-s), "
            f"load average {before} → {after}; "
            f"`{section.get('command')}`.*\n")  # fmt: skip


def accuracy(r: dict) -> str:
    v = r["verdict"]
    folds = r["folds"]
    cols = {"model": ("model", -1), "kind": ("kind", -1), "mean RMSE": ("rmse_mean", 4), "std": ("rmse_std", 4),
            "mean MAE": ("mae_mean", 4), "std ": ("mae_std", 4), "fit s (mean)": ("fit_seconds", 1)}  # fmt: skip
    rows = sorted(({**row, **row["rmse_per_fold"]} for row in r["rows"]), key=lambda row: row["rmse_mean"])
    cols.update({f"{fold} RMSE": (fold, 4) for fold in folds})
    weights = "\n".join(
        f"| {fold} | " + " | ".join(f"{w:+.3f}" for w in ws.values()) + " |"
        for fold, ws in r["blend_weights"].items()
    )
    head = next(iter(r["blend_weights"].values()))
    published = ", ".join(f"{k.removeprefix('Surprise ')} {v:.3f}" for k, v in r["published"].items())
    skipped = f"\n**Surprise not run:** {r['surprise_skipped']}\n" if r.get("surprise_skipped") else ""
    return f"""## 1. Accuracy vs peers: ml-100k official folds {", ".join(folds)}

Every rating model of the course with its chapter's settings (`recsys_lab.course.recipes.RECIPES`; two-tower predicts no
ratings and is left out), fitted on each fold's 80,000 training ratings and scored on its 20,000 test ratings;
Surprise's algorithms fitted on the same ratings (BaselineOnly, SVD and SVD++ with their defaults and
`random_state=42`, KNNBaseline item-based with pearson_baseline similarity, k = 40). Standard deviations are
over folds (ddof 1). *kind*: kit = a kit model fitted on the whole training part; blend, blend variant = see
below; blend part = a kit model fitted on 90 % of it (the blend's inputs, to see what blending adds); surprise =
the peer. Fit seconds are wall time on the shared machine.

**The blend** (what was fitted on what): each fold's training part is split once more,
`splits.random_split(train, 0.1, seed=42)`; the models {", ".join(r["blend_models"])} are fitted on the 90 %;
their predictions of the 10 % slice give least-squares weights with an intercept (`recsys_lab.methods.blend.fit_blend`,
QR); *blend (90 % fits)* is that weighted sum of the 90 % models' predictions on the test part, clipped to 1–5.
*blend weights on 100 % fits* (the variant) applies the same weights, unchanged, to the models fitted on the whole
training part. Nothing is fitted or chosen on the test part; the target is judged on the kit's single models and
the blend declared before the run, *blend (90 % fits)*, not on the variant. The issue's numbers for Surprise on these folds: {published}.
{skipped}
{table(rows, cols)}

**Target: best kit model or the blend, mean RMSE ≤ {v["target_rmse"]:.3f}: {MET[v["met"]]}.** Best:
{v["best_kit"]}, {v["best_kit_rmse"]:.4f} (margin {v["margin"]:+.4f}); best single kit model: {v["best_single_kit"]};
best peer: {v["best_peer"] or "–"} {_f(v["best_peer_rmse"])}.

Blend weights per fold (intercept first):

| fold | {" | ".join(head)} |
|{"---|" * (len(head) + 1)}
{weights}
"""


def ranking(r: dict) -> str:
    k, v = r["k"], r["verdict"]
    cols = {"model": ("model", -1), f"NDCG@{k}": (f"ndcg@{k}", 4), f"precision@{k}": (f"precision@{k}", 4),
            f"recall@{k}": (f"recall@{k}", 4), f"MAP@{k}": (f"map@{k}", 4), f"MAP@{k} (÷ min(k, relevant))":
            (f"map@{k} (min)", 4), f"hit rate@{k}": (f"hit_rate@{k}", 4), f"coverage@{k}": (f"coverage@{k}", 3),
            f"sampled HR@{k}": (f"sampled hit_rate@{k}", 4), f"sampled NDCG@{k}": (f"sampled ndcg@{k}", 4),
            "fit s": ("fit_seconds", 1)}  # fmt: skip
    rows = sorted(r["rows"], key=lambda row: -row[f"ndcg@{k}"])
    curve = ", ".join(f"λ={float(l2):g}: {ndcg:.4f}" for l2, ndcg in r["ease"]["validation_ndcg"].items())
    published = ", ".join(f"{name} {value:.3f}" for name, value in r["published"].items())
    return f"""## 2. Ranking: ml-100k, 75/25 per user, full catalogue, k = {k}

`splits.ranking_split(ds, seed=42)` ({r["split"]}), the protocol microsoft/recommenders publishes ml-100k numbers
for: fitted on the 75 %, every item scored for every test user, training items excluded, every test rating
relevant. MAP@{k} divides each user's sum of precision@r at the hits by the number of relevant items (as
microsoft/recommenders' published tables); the second MAP column divides by min(k, relevant). *Sampled*: each
test pair against 99 items its user never rated (`evaluation.evaluate_sampled`, seed 42). The course's models
use their chapter's settings; EASE's λ was chosen on a 10 %-per-user validation slice of the 75 % (NDCG@{k}
there: {curve}) and refitted on the 75 %: λ = {float(r["ease"]["l2"]):g}.{blend_note(r)}

{table(rows, cols)}

**Target: best kit model NDCG@{k} ≥ {v["target_ndcg"]:.2f}: {MET[v["met"]]}.** Best: {v["best"]},
{v["best_ndcg"]:.4f} (margin {v["margin"]:+.4f}). Published by microsoft/recommenders on this protocol: {published};
popularity ≈ 0.25.
"""


def blend_note(r: dict) -> str:
    """The ranking blend's α and its validation curve, when the run has one."""
    if "blend" not in r:
        return ""
    curve = ", ".join(f"α={float(a):g}: {ndcg:.4f}" for a, ndcg in r["blend"]["validation_ndcg"].items())
    return (f" *EASE + two-tower (score blend)*: EASE's scores plus α times the two-tower model's, each standardised "
            f"per user (`recsys_lab.methods.blend.ScoreBlend`); α chosen on the same validation slice (NDCG@{r['k']} there: "
            f"{curve}): α = {float(r['blend']['alpha']):g}; its fit time is the two models'.")  # fmt: skip


def throughput(r: dict) -> str:
    v = r["verdict"]
    cols = {"model": ("model", -1), "batch": ("batch_size", 0), "steps/call": ("steps_per_execution", 0),
            "epoch s": ("epoch_seconds", 3), "first epoch s": ("first_epoch_seconds", 2),
            "samples/s": ("samples_per_second", 0), "GFLOP/s": ("gflops", 2),
            "share of ceiling": ("share_of_ceiling", 3), "GFLOP per CPU-s": ("gflops_per_cpu_second", 2),
            "share by CPU time": ("cpu_share_of_ceiling", 3)}  # fmt: skip
    before = ", ".join(f"{k} {x:.1f}" for k, x in r["ceiling_before"].items() if "CPU" not in k)
    after = ", ".join(f"{k} {x:.1f}" for k, x in r["ceiling_after"].items() if "CPU" not in k)
    best = v["best_autorec"]
    best_cpu = v.get("best_cpu_share", float("nan"))
    flops = {row["model"]: row["gflops"] * 1e9 / row["samples_per_second"] for row in r["rows"]}
    per_sample = ", ".join(f"{m} {f:,.0f}" for m, f in flops.items() if m != "I-AutoRec")
    per_sample = (
        f"FLOPs per training rating: {per_sample}; I-AutoRec {flops.get('I-AutoRec', 0):,.0f} per item row."
    )
    contended = (
        f" The in-run ceiling, {r['ceiling_gflops']:.1f} GFLOP/s, is far below the {r['quiet_ceiling_gflops']:.0f}"
        " GFLOP/s this machine's matmul reaches when nothing else runs: other work held the cores, so a share of it"
        " does not decide the target; a run on a quiet machine does. By CPU time, which waiting does not inflate,"
        f" the best I-AutoRec setting did {v['best_cpu_share_any']:.0%} of the matmul's arithmetic per CPU-second."
        if v.get("ceiling_contended")
        else ""
    )
    return f"""## 3. Throughput: training speed against the machine's matmul ceiling

Fold u1's 80,000 training ratings. Samples are item rows (1,650 per epoch) for I-AutoRec and ratings for MF and
the MLP. FLOPs per sample: the forward pass × 3 (see `benchmarks/throughput.py`). Ceiling: float32 matmul
{r["matmul_n"]}², GFLOP/s before the models: {before}; after: {after}; the highest,
**{r["ceiling_gflops"]:.1f} GFLOP/s**, is the ceiling. On a shared machine wall time counts the time spent waiting
for a core, for the models and the matmul alike; so the table also divides by CPU time (all of the process's
threads): the matmul reached **{r.get("ceiling_gflops_per_cpu_second", float("nan")):.1f} GFLOP per CPU-second**,
and *share by CPU time* compares each model's GFLOP per CPU-second with that. A larger batch is fewer, larger steps (fewer updates per
epoch: a different optimisation, not only a faster one); *steps/call* is `TrainConfig(steps_per_execution=...)`.

{table(r["rows"], cols)}

**Target: I-AutoRec ≥ {v["target_share"]:.0%} of the matmul ceiling measured in the same run: {MET[v["met"]]}.**
Closest: batch {best["batch_size"]}, steps per call {best["steps_per_execution"]}: {v["best_share"]:.1%} of the in-run
ceiling by wall time (margin {v["margin"]:+.1%}), {best_cpu:.1%} by CPU time, {v.get("best_quiet_share", float("nan")):.1%}
of the quiet machine's {r.get("quiet_ceiling_gflops", float("nan")):.0f} GFLOP/s (shared/FACTS.md).{contended} {per_sample} Their steps are mostly
lookups and per-step overhead, so their share of a matmul ceiling is small by nature.
"""


def notebooks(r: dict) -> str:
    if "skipped" in r:
        return f"## 4. Notebook cost\n\nNot run: {r['skipped']}.\n"
    v = r["verdict"]
    cols = {"notebook": ("notebook", -1), "status": ("status", -1), "wall s": ("wall_s", 0),
            "kernel peak RSS GB": ("kernel_peak_gb", 2)}  # fmt: skip
    if any("load" in row for row in r["rows"]):
        cols["load average (start, end)"] = ("load", -1)
    load = (
        f"; the 1-minute load average reached {v['max_load']:.1f}, above the core count, so the wall times include waiting"
        " for cores held by other work and do not decide the target"
        if v["total_met"] is None
        else ""
    )
    over = f"; over the limit: {', '.join(v['over_peak'])}" if v.get("over_peak") else ""
    return f"""## 4. Notebook cost: each notebook run headless

`benchmarks.run_notebooks.run_notebook` (`python -m benchmarks.run_notebooks`): each notebook top to bottom under `pytest --nbval-lax` in its own process,
on ml-100k from the mirror; the kernel's peak RSS is its VmHWM.

{table(r["rows"], cols)}

**Targets: all notebooks ≤ {v["target_total_seconds"] / 60:.0f} min: {MET[v["total_met"]]}** ({r["total_seconds"] / 60:.1f} min{load});
**each kernel ≤ {v["target_peak_gb"]:.1f} GB: {MET[v["peak_met"]]}** (largest {v["peak_gb"]:.2f} GB{over}); all passed: {v["all_passed"]}.
Peak memory does not depend on the load.
"""


def scale(r: dict) -> str:
    parts = ["## 5. Scale: epoch time and peak memory as the data grows\n"]
    live = r.get("live", {})
    if "skipped" in live:
        parts.append(f"Live measurement not run: {live['skipped']}.\n")
    else:
        cols = {"ratings": ("num_ratings", 0), "users": ("num_users", 0), "items": ("num_items", 0),
                "epoch s": ("epoch_seconds", 3), "ratings/s": ("ratings_per_second", 0),
                "peak RSS GB": ("peak_rss_gb", 2)}  # fmt: skip
        parts.append(f"""Live, biased MF on synthetic MovieLens-shaped worlds (`recsys_lab.models.scale.growth`, {live["epochs"]} epochs, one fresh
process each):

{table(live["rows"], cols)}

Growth exponent of epoch time (time ∝ ratings^b): **b = {live["exponent"]:.2f}** over this small range.
""")
    c = r.get("committed")
    if c is None:
        parts.append(
            "The full table (docs/scale.json, `python -m benchmarks.scale_benchmark`) is not committed yet.\n"
        )
        return "\n".join(parts)
    cols = {"model": ("model", -1), "data": ("dataset", -1), "ratings": ("num_ratings", 0), "users": ("num_users", 0),
            "items": ("num_items", 0), "epoch s": ("epoch_seconds", 2), "ratings/s": ("ratings_per_second", 0),
            "peak RSS GB": ("peak_rss_gb", 2)}  # fmt: skip
    rows = [{**row, "dataset": row.get("dataset") or "synthetic"} for row in c["rows"]]
    slopes = ", ".join(f"{m} {b:.2f}" for m, b in c["exponents"].items())
    big = c["largest"]
    runs = "; ".join(f"`{run['command']}` on {run['date']} (load {run['load']})" for run in c["runs"])
    linear = c["linear"]
    parts.append(f"""The committed full table (docs/scale.json, details in [scale.md](scale.md)), measured by {runs}:

{table(rows, cols)}

Growth exponents of epoch time over the synthetic rows: {slopes}. **Target: an ml-25m-shaped epoch within
8 GB RSS: {MET[c["peak_met"]]}** (largest world {big["num_ratings"]:,} ratings, peak {big["peak_rss_gb"]:.2f} GB).
**Target: epoch time about linear in the ratings (b = 1 ± 0.1): {MET[c["linear_met"]]}** for
{", ".join(m for m, ok in linear.items() if ok) or "no model"}; not for
{", ".join(m for m, ok in linear.items() if not ok) or "none"}. *mf* is biased MF with Keras' Adam, the
chapters' setting, which updates every row of both tables at every step; *mf-lazy* the same with the kit's
`LazyAdam`, which updates only the rows in the batch (`TrainConfig(optimizer="lazy_adam")`); I-AutoRec multiplies
every item's full row of users, so its epoch follows users × items, not the ratings (docs/scale.md).
""")
    return "\n".join(parts)


RENDERERS = {"accuracy": accuracy, "ranking": ranking, "throughput": throughput, "notebooks": notebooks,
             "scale": scale}  # fmt: skip


def summary(sections: dict) -> str:
    """The targets of issue #9, one row each, from the sections' verdicts (sections not run are left out)."""
    rows = []
    get = lambda name: sections.get(name, {}).get("result")  # noqa: E731
    if (r := get("accuracy")) and "verdict" in r:
        v = r["verdict"]
        rows.append(("best kit model or blend, mean RMSE over " + ", ".join(r["folds"]), f"≤ {v['target_rmse']:.3f}",
                     f"{v['best_kit_rmse']:.4f} ({v['best_kit']})", v["met"], f"{v['margin']:+.4f}"))  # fmt: skip
    if (r := get("ranking")) and "verdict" in r:
        v = r["verdict"]
        rows.append(("best kit model NDCG@10, 75/25 per user", f"≥ {v['target_ndcg']:.2f}",
                     f"{v['best_ndcg']:.4f} ({v['best']})", v["met"], f"{v['margin']:+.4f}"))  # fmt: skip
    if (r := get("throughput")) and "verdict" in r:
        v = r["verdict"]
        rows.append(("I-AutoRec share of the matmul ceiling", f"≥ {v['target_share']:.0%}",
                     f"{v['best_share']:.1%} of the in-run ceiling ({r['ceiling_gflops']:.0f} GFLOP/s); "
                     f"{v.get('best_quiet_share', float('nan')):.1%} of the quiet 130; by CPU time "
                     f"{v.get('best_cpu_share', float('nan')):.1%}", v["met"],
                     f"{v['margin']:+.1%}"))  # fmt: skip
    if (r := get("notebooks")) and "verdict" in r:
        v = r["verdict"]
        rows.append(("all notebooks together", f"≤ {v['target_total_seconds'] / 60:.0f} min",
                     f"{r['total_seconds'] / 60:.1f} min (load average up to {v.get('max_load', float('nan')):.1f})",
                     v["total_met"],
                     f"{(v['target_total_seconds'] - r['total_seconds']) / 60:+.1f} min"))  # fmt: skip
        rows.append(("each notebook's kernel peak RSS", f"≤ {v['target_peak_gb']:.1f} GB", f"{v['peak_gb']:.2f} GB",
                     v["peak_met"], f"{v['target_peak_gb'] - v['peak_gb']:+.2f} GB"))  # fmt: skip
    if (r := get("scale")) and r.get("committed") and r["committed"].get("largest"):
        big = r["committed"]["largest"]
        rows.append((f"peak RSS of a {big['num_ratings']:,}-rating epoch (docs/scale.json)", "≤ 8 GB",
                     f"{big['peak_rss_gb']:.2f} GB", r["committed"]["peak_met"], f"{8 - big['peak_rss_gb']:+.2f} GB"))  # fmt: skip
        slopes = r["committed"].get("exponents", {})
        best = min(slopes, key=lambda m: abs(slopes[m] - 1), default=None)
        rows.append(("epoch time ∝ ratings^b, about linear, for one of the kit's models (docs/scale.json)",
                     "b = 1 ± 0.1", ", ".join(f"{m} {b:.2f}" for m, b in slopes.items()),
                     r["committed"].get("linear_met"),
                     f"{best}: b − 1 = {slopes[best] - 1:+.2f}" if best else ""))  # fmt: skip
    if not rows:
        return ""
    lines = [
        "## The targets at a glance",
        "",
        "| target | goal | measured | verdict | margin |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {what} | {goal} | {got} | **{MET[met]}** | {margin} |" for what, goal, got, met, margin in rows
    ]
    return "\n".join(lines) + "\n"


def render(results: dict) -> str:
    """The whole page: header, the targets, then each section present in `results["sections"]`, in order."""
    parts = [_header(results)]
    if notes := results.get("notes"):
        parts.append("Notes on this run:\n\n" + "\n".join(f"- {note}" for note in notes) + "\n")
    if text := summary(results.get("sections", {})):
        parts.append(text)
    sections = results.get("sections", {})
    for name, draw in RENDERERS.items():
        if name not in sections:
            parts.append(f"## {name}\n\nNot run yet: `python -m benchmarks --sections {name}`.\n")
            continue
        section = sections[name]
        if "error" in section:
            parts.append(f"## {name}\n\n{_section_line(section)}\nFailed: `{section['error']}`\n")
            continue
        text = draw(section["result"])
        head, _, rest = text.partition("\n\n")
        parts.append(f"{head}\n\n{_section_line(section)}\n{rest}")
    return "\n".join(parts)
