"""Keras 3 models of the course, one module each, short enough to read whole in a notebook.

Importing this package imports TensorFlow (through Keras); `recsys_lab` itself does not.
"""

from recsys_lab.models.autorec import AutoRec
from recsys_lab.models.base import KerasRecommender, StatefulNetwork, TrainConfig
from recsys_lab.models.mf import BiasedMF
from recsys_lab.models.regression import MLPRegression
from recsys_lab.models.two_tower import TwoTower

__all__ = [
    "AutoRec",
    "BiasedMF",
    "KerasRecommender",
    "MLPRegression",
    "StatefulNetwork",
    "TrainConfig",
    "TwoTower",
]
