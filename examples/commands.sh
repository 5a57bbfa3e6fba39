#!/usr/bin/env bash
# adcli by example: one command per line, each after a comment saying what it
# shows.  Run from anywhere: bash examples/commands.sh (tests/test_examples.py
# runs every command line and checks it succeeds).
set -euo pipefail
cd "$(dirname "$0")"

# the textbook example: value 48, gradient 12 12 9
adcli grad "3*(x1**2+x2*x3)" --at 2,3,4
# its evaluation trace: every node with what it computes, its value, local partials and adjoint
adcli grad "3*(x1**2+x2*x3)" --at 2,3,4 --trace
# the Rosenbrock function from a file, the point given by name, the result as JSON
adcli grad -f rosenbrock.txt --at x=1,y=2 --format json
# at the minimum (1, 1) of the Rosenbrock function the gradient is zero
adcli grad -f rosenbrock.txt --at 1,1
# many points in one vectorized pass: a CSV file in, one CSV row per point out
adcli grad -f rosenbrock.txt --points points.csv --format csv
# the gradient of a logistic regression loss with respect to its weights and bias
adcli grad -f logistic_loss.txt --at w1=0.5,w2=-0.25,b=0.1
# how the hand of a two-link arm moves with each joint angle (point values may be constant expressions)
adcli grad -f two_link_arm_x.txt --at t1=pi/4,t2=pi/6 --precision 6
# the expression read from stdin
echo "sin(x)*exp(y)" | adcli grad - --at 0.5,1
# an explicit variable order for a positional point: x3=1, x1=2, x2=3
adcli grad "x1 - 2*x2 + 3*x3" --vars x3,x1,x2 --at 1,2,3
# kinks follow one convention: a tie of max shares the derivative equally, and the trace marks it
adcli grad "max(x, y)" --at 2,2 --trace
# a domain error printed as IEEE values (-inf, inf) instead of failing with exit code 3
adcli grad "log(x)" --at 0 --allow-nonfinite
