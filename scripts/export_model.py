"""Copy a trained model's shipped files into models/<name>/ and export its ONNX file.

    .venv/bin/python scripts/export_model.py runs/word models/word
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htr_core.training.model import export_onnx, load_keras_model  # noqa: E402
from htr_core.recognition.model_config import CHARSET_FILE, CONFIG_FILE, KERAS_FILE, ONNX_FILE, ModelConfig  # noqa: E402

SHIPPED = (CHARSET_FILE, CONFIG_FILE, "train_state.json", "training_config.json")


def main(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in SHIPPED:
        if (source / name).exists():
            shutil.copy2(source / name, target / name)
    model = load_keras_model(source)  # loaded uncompiled: the shipped file carries no optimizer state
    model.save(target / KERAS_FILE)
    export_onnx(model, ModelConfig.load(target), target / ONNX_FILE)
    print(f"{target}: " + ", ".join(sorted(p.name for p in target.iterdir())))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
