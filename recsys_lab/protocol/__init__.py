"""Layer 2, the evaluation protocol: splits without leakage, metrics, and the one way every model is evaluated.
Builds on `data` only; numpy, pandas and scipy only."""
