"""Repository tools (badges, Binder files, notebook cleaning, the offline lab), not part of the installed package."""
