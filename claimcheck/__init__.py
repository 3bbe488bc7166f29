"""claimcheck: check the claims of machine-written literature syntheses."""

__version__ = "0.1.0"
