"""Layer 1, data: the `Dataset`, id encoding, MovieLens (releases, fetch, parsers), the synthetic world, posters
and feature tables. numpy, pandas and scipy only; imports nothing else of the package."""
