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
# the Jacobian of a two-link arm's hand position (px, py) with respect to the joint angles t1, t2
adcli jacobian -f two_link_arm.adx --at t1=0.3,t2=1.1
# which outputs depend on which joint angles, read from the graph (not from numerical zeros)
adcli jacobian -f two_link_arm.adx --at 0,0 --sparsity
# mode auto says on stderr which AD mode it chose and why, with the pass counts
adcli jacobian -f two_link_arm.adx --at t1=0.3,t2=1.1 --mode auto --explain
# J·v by one forward pass: how fast the hand moves when only the shoulder turns
adcli jvp -f two_link_arm.adx --at t1=0.3,t2=1.1 --dir t1=1,t2=0
# the 5 x 2 Jacobian of a curve fit's residuals r_i = y_i - a*exp(b*t_i), what Gauss-Newton needs, as CSV
adcli jacobian -f curve_fit.adx --at a=2,b=0.6 --format csv
# rᵀ·J by one reverse pass with u = (1, 1, 1, 1, 1): the gradient of the sum of the residuals
adcli vjp -f curve_fit.adx --at a=2,b=0.6 --dir 1,1,1,1,1
# the values of every output of a program, no derivatives
adcli eval -f curve_fit.adx --at a=2,b=0.6 --format json
# the exact Hessian of the Rosenbrock function at its minimum: [[802, -400], [-400, 200]]
adcli hessian -f rosenbrock.adx --at x=1,y=1
# the gradient of a tiny neural network's loss, one array per weight in its shape (data: neural_net_X.csv, neural_net_y.csv)
adcli grad -f neural_net.adx --at 'W1=[[0.5,-0.3],[0.8,0.2]],b1=[0.1,-0.1],W2=[1.2,-0.7],b2=0.05'
# the same gradient by forward mode: nine passes (one per weight entry) instead of one, the same numbers
adcli grad -f neural_net.adx --at 'W1=[[0.5,-0.3],[0.8,0.2]],b1=[0.1,-0.1],W2=[1.2,-0.7],b2=0.05' --mode forward --explain
# the gradient with respect to the output layer alone (--wrt): W1 and b1 are held as data
adcli grad -f neural_net.adx --at 'W1=[[0.5,-0.3],[0.8,0.2]],b1=[0.1,-0.1],W2=[1.2,-0.7],b2=0.05' --wrt W2,b2 --format json
# the network's exact 9 x 9 Hessian over W1, W2, b1, b2 flattened in C order, as JSON
adcli hessian -f neural_net.adx --at 'W1=[[0.5,-0.3],[0.8,0.2]],b1=[0.1,-0.1],W2=[1.2,-0.7],b2=0.05' --format json
# training the network: minimize over the weights from the same start; only the output layer, with W1 and b1 held by --at
adcli minimize -f neural_net.adx --from 'W2=[1.2,-0.7],b2=0.05' --at 'W1=[[0.5,-0.3],[0.8,0.2]],b1=[0.1,-0.1]'
# linear least squares with A and b in CSV files: at x = [0, 0] the gradient is -2 A.T @ b = [-50, -140]
adcli grad -f least_squares.adx --at 'x=[0,0]'
# its minimum, the normal equations' solution x = [1, 2] (loss 0.1), by the default method (Newton, exact Hessians)
adcli minimize -f least_squares.adx --from 'x=[0,0]'
# a logistic regression's loss on 40 rows of logistic_regression.csv: the gradient in w alone, as JSON
adcli grad -f logistic_regression.adx --at 'w=[0,0],b=0' --wrt w --format json
# fitting it: the maximum-likelihood w and b (about [2.495, -0.996] and 0.595)
adcli minimize -f logistic_regression.adx --from 'w=[0,0],b=0'
# the minimum of the Rosenbrock function from the classic start (-1.2, 1): Newton with exact Hessians
adcli minimize -f rosenbrock.txt --from x=-1.2,y=1
# the textbook method, gradient descent with a fixed step, on a convex bowl; every iteration to a CSV file
adcli minimize "(x-3)**2 + (y+1)**2" --from 0,0 --method gd --lr 0.1 --trace-file /tmp/adcli-steps.csv
