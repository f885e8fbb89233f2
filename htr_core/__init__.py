"""htr_core: handwriting recognition (segmentation, CRNN + CTC recognition, decoding, correction).

Importing the package is cheap: TensorFlow is only imported by ``model`` and ``train``.
"""

__version__ = "0.1.0"
