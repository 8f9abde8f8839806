"""Energy Data Service: a revision-aware copy of ENTSO-E load data."""

__version__ = "0.1.0"
