"""Функции активации для лабораторной «Создание Глубокой нейронной сети: Шаг за шагом».

Каждая прямая функция возвращает пару (A, cache), где cache -- это Z; обратные
функции получают градиент dA и этот cache и возвращают dZ того же размера.
"""

import numpy as np


def sigmoid(Z):
    """Сигмоида: A = 1 / (1 + exp(-Z)). Возвращает (A, cache), cache = Z."""
    A = 1 / (1 + np.exp(-Z))
    return A, Z


def relu(Z):
    """ReLU: A = max(0, Z). Возвращает (A, cache), cache = Z."""
    A = np.maximum(0, Z)
    return A, Z


def sigmoid_backward(dA, cache):
    """Обратный проход через сигмоиду: dZ = dA * s * (1 - s), где s = sigmoid(Z)."""
    Z = cache
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def relu_backward(dA, cache):
    """Обратный проход через ReLU: градиент проходит только там, где Z > 0."""
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ
