"""The bundled replication packages, one per source paper.

Each declares its experiments under the entry-point group `claimcheck.replications` in pyproject.toml, the door
any installed package uses; claimcheck finds them there and imports a paper's package only when one of its
experiments is asked for. Nothing here imports the papers: one paper's broken import cannot hide the others.
"""
