"""Replications of gcl."""
