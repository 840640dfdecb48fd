"""Keras 3 models of the course, one module each, short enough to read whole in a notebook.

Importing this package imports TensorFlow (through Keras); `recsys_lab` itself does not.
"""

from recsys_lab.models.base import KerasRecommender, StatefulNetwork, TrainConfig

__all__ = ["KerasRecommender", "StatefulNetwork", "TrainConfig"]
