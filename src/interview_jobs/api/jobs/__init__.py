"""Interview jobs: the seed's five endpoints, cancel, delete, list filters, SSE; the callback."""
