"""The question bank, served to the page and the CLI (``GET /api/questions``)."""
