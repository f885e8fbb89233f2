"""Training and evaluation data: loaders return numpy images and text, never TensorFlow objects."""

from htr_core.data.dataset import ConcatDataset, Dataset, FileDataset, Sample

__all__ = ["ConcatDataset", "Dataset", "FileDataset", "Sample"]
