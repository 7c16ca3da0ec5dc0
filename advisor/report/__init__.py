"""The recommendation report: one model, rendered as HTML, Markdown, JSON (and PDF)."""
