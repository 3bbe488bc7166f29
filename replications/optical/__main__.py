"""`python -m replications.optical optical.optical_clir --scale smoke|proxy|full`."""

import sys

from claimcheck.verify import standalone_main

sys.exit(standalone_main("replications.optical"))
