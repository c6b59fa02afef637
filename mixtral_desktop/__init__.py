"""Mixtral Desktop: a native desktop chat client for Mixtral 8x22B Instruct on Segmind."""

from importlib.metadata import PackageNotFoundError, version

APP_NAME = "Mixtral Desktop"
APP_ID = "mixtral-desktop"

try:
    __version__ = version("mixtral-desktop")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
