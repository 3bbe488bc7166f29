"""Commands: verify."""

from claimcheck.cli.app import app  # noqa: F401
