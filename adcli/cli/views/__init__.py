"""The output of every command: one module per result type, each with its
json (``document``), ``plain``, ``csv`` and table (``tables``) forms and a
``show`` that prints the form asked for.  Commands import the one they need,
when they need it: only the table forms load rich, and a one-point result's
json, plain and csv load neither rich nor numpy.  The conventions the forms
share are in common.py.  The results of array graphs (adcli/array_results.py)
have their own views, array_gradient.py, array_jacobian.py, array_hessian.py,
array_product.py and array_values.py, whose forms of an array are in
arrays.py; they load numpy, as the results they show do."""
