"""What a model directory holds and the config every model is built from (no TensorFlow here)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from htr_core.decoding.config import DecoderConfig
from htr_core.types import check_keys


KERAS_FILE = "model.keras"
ONNX_FILE = "model.onnx"
CONFIG_FILE = "config.json"
CHARSET_FILE = "charset.txt"

# Keys a model config held before its decoder's settings were nested under "decoder".
LEGACY_DECODER_KEYS = ("beam_width", "lm_weight", "lexicon_size", "oov_margin")

# Training step-size schedules (kept here so the CLI can list them without importing Keras).
LR_SCHEDULES = ("plateau", "cosine")


@dataclass(frozen=True)
class WordCheckConfig:
    """The weights of the word model's check on a line model's readings, tuned for this line model
    (``benchmarks/tune_word_check.py`` writes them): how much the word model's likelihood counts,
    how much the word-pair model's, and how sure of a word's every letter the line model must be
    for the word to stand without the word model's reread (None: every word is reread)."""

    word_weight: float = 0.7
    lm_weight: float = 0.6
    sure_confidence: float | None = None

    @classmethod
    def from_dict(cls, data: dict) -> "WordCheckConfig":
        return cls(**check_keys(cls, data, "word check config"))


@dataclass(frozen=True)
class ModelConfig:
    """Everything inference needs to know about a model besides its weights."""

    name: str = "word"
    line_mode: bool = False
    height: int = 32
    width: int = 128
    downsample: int = 4  # input columns per output time step
    conv_filters: tuple[int, ...] = (32, 64, 128, 128, 256)
    lstm_units: int = 128
    lstm_layers: int = 2
    dropout: float = 0.2
    # Training only: the share of the loss given to a CTC "shortcut" head, a 1-D convolution
    # straight on the convolutions' sequence (Retsinas et al., "Best practices for a handwritten
    # text recognition system"), which pushes them to read on their own; 0: no such head. The
    # exported model has no shortcut head either way.
    shortcut_weight: float = 0.0
    decoder: DecoderConfig = DecoderConfig()
    # line models: the word model's check on their readings (None: not tuned, not checked)
    word_check: WordCheckConfig | None = None
    # line models: a line read with fewer time steps per character than this is read again,
    # stretched to this many (None or 0: never)
    min_steps_per_char: float | None = None
    extra: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        data = dict(data)
        decoder = data.get("decoder", {})
        decoder = dict(decoder) if isinstance(decoder, dict) else {"name": decoder}
        # Configs written before the decoder's settings were nested held them at the top.
        decoder.update({key: data.pop(key) for key in LEGACY_DECODER_KEYS if key in data})
        data["decoder"] = DecoderConfig.from_dict(decoder)
        data = check_keys(cls, data, "model config")
        if data.get("word_check") is not None:
            data["word_check"] = WordCheckConfig.from_dict(data["word_check"])
        if "conv_filters" in data:
            data["conv_filters"] = tuple(data["conv_filters"])
        return cls(**data)

    @classmethod
    def load(cls, model_dir: Path) -> "ModelConfig":
        return cls.from_dict(json.loads((Path(model_dir) / CONFIG_FILE).read_text()))
