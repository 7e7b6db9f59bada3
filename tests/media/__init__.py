"""Test media with ground truth (see generate.py)."""
