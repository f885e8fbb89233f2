"""Measuring readings and segmentations against ground truth."""
