"""The definitions and nothing else: runs, states, figures, seat lists, diffs, data quality."""
