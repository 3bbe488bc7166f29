"""`python -m replications.beir beir.beir_eval --scale smoke|full [--param model="..."] [--data-dir D]`."""

import sys

from claimcheck.verify import standalone_main

sys.exit(standalone_main("replications.beir"))
