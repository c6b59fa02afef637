"""Mixtral Desktop: a native desktop chat client for Mixtral 8x22B Instruct on Segmind."""

APP_NAME = "Mixtral Desktop"
APP_ID = "mixtral-desktop"
# The one place the version is written: pyproject.toml reads it (dynamic version), so
# start-up does not pay ~20 ms and 5 MB for importlib.metadata to look it up.
__version__ = "0.1.0"
