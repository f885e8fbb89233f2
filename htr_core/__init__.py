"""htr_core: handwriting recognition (segmentation, CRNN + CTC recognition, decoding, correction).

Importing the package is cheap: TensorFlow is only imported by ``model`` and ``train``.
"""

__version__ = "0.1.0"


def read(source, **settings):
    """Read every page of an image, PDF, PIL image or numpy array: ``htr_core.document.read``."""
    from htr_core.document import read as read_document_pages

    return read_document_pages(source, **settings)
