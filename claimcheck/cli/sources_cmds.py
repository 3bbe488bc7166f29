"""Commands: sources."""

from claimcheck.cli.app import app  # noqa: F401
