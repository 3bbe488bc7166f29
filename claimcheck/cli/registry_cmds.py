"""Commands: registry."""

from claimcheck.cli.app import app  # noqa: F401
