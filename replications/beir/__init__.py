"""Replications of beir."""
