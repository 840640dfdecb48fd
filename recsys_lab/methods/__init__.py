"""Layer 3, methods without deep learning: the `Recommender` contract every model keeps, baselines, EASE, retrieval,
cold start, blends, explanations, gradient descent by hand and data-quality experiments. Builds on `data` and
`protocol`; numpy, pandas and scipy only."""
