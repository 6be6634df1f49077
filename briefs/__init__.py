"""Living explainers for Django: ordered sections, tagged entities, full revision history."""

# The one place the version is written: pyproject.toml reads it for the package metadata.
__version__ = "0.1.0"
