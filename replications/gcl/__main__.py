"""`python -m replications.gcl gcl.gcl_multimodal --scale smoke|proxy|full`."""

import sys

from claimcheck.verify import standalone_main

sys.exit(standalone_main("replications.gcl"))
