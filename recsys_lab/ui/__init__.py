"""Layer 5, what a learner sees: plotly figures (returned, never shown), ipywidgets front ends over pure functions,
and the recommender app. Builds on every layer before it; imports `models` (TensorFlow) only inside the functions
that train."""
