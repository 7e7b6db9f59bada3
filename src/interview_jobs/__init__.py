"""Interview Job System: asynchronous, offline analysis of recorded job interviews."""

__version__ = "0.1.0"
