"""The Keras CRNN (convolutions + BiLSTM, CTC) and its model-directory format.

With ``import_utils`` kept apart, this and ``train.py`` are the only modules that import
TensorFlow/Keras. A model directory holds ``model.keras`` (training/fallback), ``model.onnx``
(inference), ``charset.txt`` and ``config.json``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
from keras import layers  # noqa: E402

from htr_core.charset import Charset  # noqa: E402
from htr_core.recognition.model_config import CHARSET_FILE, CONFIG_FILE, KERAS_FILE, ModelConfig  # noqa: E402

log = logging.getLogger(__name__)

QUANTIZED_OPS = ["LSTM", "MatMul"]  # onnxruntime op types stored as int8


SHORTCUT_LAYER = "shortcut"


def build_crnn(config: ModelConfig, charset: Charset) -> keras.Model:
    """Conv blocks -> (time, features) -> BiLSTM x N -> per-step logits (blank = index 0).

    The first two blocks pool 2x2, the last few pool only the height, so the time axis keeps
    width/4 steps: room for about two steps per character. With ``config.shortcut_weight`` the
    model has a second output for training, a 1-D convolution's logits on the conv sequence.
    """
    if config.height % 32:
        raise ValueError("height must be a multiple of 32")
    inputs = keras.Input(shape=(config.height, None, 1), name="image")
    x = inputs
    height = config.height
    for block, filters in enumerate(config.conv_filters):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{block}")(x)
        x = layers.BatchNormalization(name=f"bn{block}")(x)
        x = layers.ReLU(name=f"relu{block}")(x)
        if block < 2:
            x = layers.MaxPooling2D((2, 2), name=f"pool{block}")(x)
            height //= 2
        elif height > 1 and block >= len(config.conv_filters) - _height_pools(config.height):
            x = layers.MaxPooling2D((2, 1), name=f"pool{block}")(x)
            height //= 2
    if height != 1:
        raise ValueError(f"conv stack leaves height {height}; use more conv blocks")
    sequence = layers.Reshape((-1, config.conv_filters[-1]), name="to_sequence")(x)
    x = layers.Dropout(config.dropout, name="drop_features")(sequence)
    for index in range(config.lstm_layers):
        x = layers.Bidirectional(
            layers.LSTM(config.lstm_units, return_sequences=True, dropout=config.dropout / 2),
            name=f"bilstm{index}",
        )(x)
    logits = layers.Dense(charset.num_classes, name="logits")(x)
    if not config.shortcut_weight:
        return keras.Model(inputs, logits, name=f"crnn_{config.name}")
    shortcut = layers.Conv1D(charset.num_classes, 3, padding="same", name=SHORTCUT_LAYER)(sequence)
    return keras.Model(inputs, [logits, shortcut], name=f"crnn_{config.name}")


def reading_part(model: keras.Model) -> keras.Model:
    """The model as it reads: its main output only (a model trained with a shortcut head has two)."""
    if len(model.outputs) == 1:
        return model
    return keras.Model(model.inputs, model.get_layer("logits").output, name=model.name)


def _height_pools(height: int) -> int:
    """(2, 1) pools needed after the two (2, 2) pools to bring the height to 1."""
    return int(height // 4).bit_length() - 1


def save_model_dir(model: keras.Model, config: ModelConfig, charset: Charset, model_dir: Path) -> None:
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    reading_part(model).save(model_dir / KERAS_FILE)
    charset.save(model_dir / CHARSET_FILE)
    (model_dir / CONFIG_FILE).write_text(config.to_json() + "\n")


def load_keras_model(model_dir: Path) -> keras.Model:
    return keras.models.load_model(Path(model_dir) / KERAS_FILE, compile=False)


def convert_to_onnx(model: keras.Model, height: int, output: str, path: Path) -> Path:
    """``model`` as a float ONNX graph taking (batch, ``height``, width, 1) images of any batch and
    width, its output named ``output``: dropout off, a plain inference graph (the call wrapped in a
    tf.function with a fixed signature), so inference runs without TensorFlow."""
    import tensorflow as tf
    import tf2onnx

    spec = (tf.TensorSpec((None, height, None, 1), tf.float32, name="image"),)

    @tf.function(input_signature=spec)
    def serve(image):
        return {output: model(image, training=False)}

    tf2onnx.convert.from_function(serve, input_signature=spec, opset=17, output_path=str(path))
    return Path(path)


def export_onnx(model: keras.Model, config: ModelConfig, path: Path) -> Path:
    """Export to ONNX with a dynamic batch and width: inference then runs without TensorFlow.

    The recurrent and dense weights are stored as int8 (onnxruntime's dynamic quantization; faster,
    as accurate); convolutions stay float (their int8 kernels were slower here). Activations are
    quantized with each call's own range, so logits move a little with the batch (docs/TRAINING.md).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    path = Path(path)
    float_path = convert_to_onnx(model, config.height, "logits", path.with_name(path.stem + ".float.onnx"))
    try:
        quantize_dynamic(float_path, path, op_types_to_quantize=QUANTIZED_OPS, weight_type=QuantType.QInt8)
    finally:
        float_path.unlink(missing_ok=True)
    log.info("exported %s", path)
    return path
