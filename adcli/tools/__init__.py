"""What is built on the core: minimize, check, compare, explain (no click, no rich)."""
