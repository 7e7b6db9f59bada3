"""Progress over time: summaries of results, and the progress endpoint."""
