"""Pure computations on billing and usage frames, no store and no files."""
