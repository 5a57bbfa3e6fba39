"""The interpreters over a graph: scalar and numpy namespaces, reverse and forward
sweeps, levels, second order, finite differences."""
