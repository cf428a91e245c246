"""Fieldkeep server: the Litestar app, its domains and the storage they share."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fieldkeep")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
