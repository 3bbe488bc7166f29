"""Replications of coco_dr."""
