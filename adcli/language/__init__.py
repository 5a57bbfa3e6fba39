"""Text to graph: the grammar's tables, the LALR driver and its reductions, syntax errors."""
