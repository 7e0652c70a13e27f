"""Benchmarks: scripts that measure the service and print figures (no timed assertions)."""
