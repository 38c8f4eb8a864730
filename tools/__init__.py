"""Operator commands (`python -m tools.<name>`, or the Makefile targets that run them)."""
