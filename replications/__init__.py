"""Replication packages: importing this registers every bundled experiment by name.

Only `claimcheck.experiments.load_all` imports this package; claims.yaml names experiments, never modules.
"""

from replications import beir, coco_dr, gcl, optical  # noqa: F401  (imported for their registrations)
