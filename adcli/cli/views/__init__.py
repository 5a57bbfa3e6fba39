"""The output of every command: one module per result type, each with its
json (``document``), ``plain``, ``csv`` and table (``tables``) forms and a
``show`` that prints the form asked for.  Commands import the one they need,
when they need it: json and plain never load rich, nor numpy."""
