"""`python -m replications.coco_dr coco_dr.idro_ablation --scale smoke|proxy|full` (under torchrun for full)."""

import sys

from claimcheck.verify import standalone_main

sys.exit(standalone_main("replications.coco_dr"))
