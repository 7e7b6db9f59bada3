"""Sharing a report with someone without an account (a coach): links, and comments left through
them — CONTRACT.md "Sharing"."""
