"""What a model directory holds and the config every model is built from (no TensorFlow here)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path


def check_keys(cls, data: dict, what: str) -> dict:
    """Typed configs refuse unknown keys: a misspelt option is an error, not a silent default."""
    unknown = set(data) - {f.name for f in fields(cls)}
    if unknown:
        raise ValueError(f"unknown {what} keys: {sorted(unknown)}")
    return data


KERAS_FILE = "model.keras"
ONNX_FILE = "model.onnx"
CONFIG_FILE = "config.json"
CHARSET_FILE = "charset.txt"

# Training step-size schedules (kept here so the CLI can list them without importing Keras).
LR_SCHEDULES = ("plateau", "cosine")


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
    decoder: str = "beamsearch"
    beam_width: int = 16
    lm_weight: float = 0.0  # wordbeamsearch: weight of the word-frequency prior
    lexicon_size: int = 50000  # wordbeamsearch: most frequent English words allowed
    # wordbeamsearch: keep the unconstrained reading when the lexicon's is this many nats less
    # likely (names, numbers, rare words); None: always the lexicon's
    oov_margin: float | None = None
    # line models: a line read with fewer time steps per character than this is read again,
    # stretched to this many (None or 0: never)
    min_steps_per_char: float | None = None
    extra: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        data = dict(check_keys(cls, data, "model config"))
        if "conv_filters" in data:
            data["conv_filters"] = tuple(data["conv_filters"])
        return cls(**data)

    @classmethod
    def load(cls, model_dir: Path) -> "ModelConfig":
        return cls.from_dict(json.loads((Path(model_dir) / CONFIG_FILE).read_text()))
