"""The `claimcheck` command. Each module below adds its commands to the shared app.

Exit codes: 0 success, 1 bad input (a file, a claim id, a failed check), 2 usage errors.
"""

from claimcheck.cli import registry_cmds, replication_cmds, sources_cmds, verify_cmds  # noqa: F401  (registration)
from claimcheck.cli.app import app


def main() -> None:
    app()
