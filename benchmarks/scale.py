"""Scale: a small live growth measurement, and the committed full table up to ml-25m's shape.

The target "time grows about linearly with ratings" is judged per model on the committed table (exponent b of
epoch time within 1 ± 0.1) and met when one of the kit's models reaches it: biased MF trained with LazyAdam
("mf-lazy") does; with Keras' Adam ("mf", the chapters' setting) and I-AutoRec (dense by construction: its
cost follows users × items) it does not, and the report says so beside the verdict.

Live: biased MF on synthetic MovieLens-shaped worlds of 25,000, 50,000 and 100,000 ratings
(`recsys_lab.models.scale.growth`, one fresh process each), and the exponent b of epoch time ∝ ratings^b.
Committed: docs/scale.json, written by `python -m benchmarks.scale_benchmark` (its own command, date and machine are
quoted with it); the 25-million-rating runs are not repeated here.
"""

from __future__ import annotations

import json

from benchmarks.common import ROOT

LIVE_SIZES = (25_000, 50_000, 100_000)
TARGET_PEAK_GB = 8.0
LINEAR_TOLERANCE = 0.1  # "about linear": the growth exponent b of epoch time within 1 ± 0.1


def committed(path=ROOT / "docs" / "scale.json") -> dict | None:
    """The committed full scale report, with its growth exponents per model; None when it is not there yet."""
    from recsys_lab.models.scale import exponent

    if not path.exists():
        return None
    report = json.loads(path.read_text())
    rows = report["rows"]
    synthetic = [r for r in rows if not r.get("dataset")]
    exponents = {}
    for model in dict.fromkeys(r["model"] for r in synthetic):
        part = [r for r in synthetic if r["model"] == model]
        if len(part) >= 2:
            import pandas as pd

            exponents[model] = exponent(pd.DataFrame(part))
    largest = max(synthetic, key=lambda r: r["num_ratings"], default=None)
    linear = {model: abs(b - 1) <= LINEAR_TOLERANCE for model, b in exponents.items()}
    return {
        "runs": report["runs"],
        "machine": report.get("machine"),
        "rows": rows,
        "exponents": exponents,
        "linear": linear,
        "largest": largest,
        "peak_met": None if largest is None else bool(largest["peak_rss_gb"] <= TARGET_PEAK_GB),
        # met when the kit has a way to train with epoch time linear in the ratings: a model within 1 ± 0.1
        "linear_met": any(linear.values()) if linear else None,
    }


def run(*, quick: bool = False, seed: int = 0, log=print, **_) -> dict:
    """Live growth (not in quick mode) and the committed table (when docs/scale.json exists)."""
    from recsys_lab import scale

    result = {"committed": committed()}
    if result["committed"] is None:
        log("  docs/scale.json is not there yet: run python -m benchmarks.scale_benchmark")
    if quick:
        result["live"] = {"skipped": "not run in --quick mode"}
        return result
    table = scale.growth(LIVE_SIZES, model="mf", epochs=2, seed=seed)
    result["live"] = {"model": "mf", "epochs": 2, "rows": table.to_dict("records"),
                      "exponent": scale.exponent(table)}  # fmt: skip
    log(f"  live MF growth exponent {result['live']['exponent']:.2f}")
    return result
