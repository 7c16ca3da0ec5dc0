"""The side-by-side comparison of the four ways to answer (later: scoring and staleness)."""
