"""The interpreters over a graph, one module each: reverse (values, then
adjoints), forward (tangents), second (Hessians, forward over reverse),
levels (one point of a large graph with numpy), differences (finite
differences and the complex step, to check AD against), nonfinite (the node
behind a nan or inf), over the scalar and vectorized (numpy) namespaces;
dispatch decides which one runs."""
