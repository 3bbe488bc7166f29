"""Replications of optical."""
