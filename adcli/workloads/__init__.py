"""Fixtures for tests and benchmarks: generated expressions, classic test problems."""
