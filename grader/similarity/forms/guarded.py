# Logarithms kept away from log(0) by the usual small constant.
import numpy as np


def compute_cost(AL, Y):
    m = Y.shape[1]
    epsilon = 1e-8
    cost = -1 / m * np.sum(Y * np.log(AL + epsilon) + (1 - Y) * np.log(1 - AL + epsilon))
    return np.squeeze(cost)
