"""The command line, run as users run it, on the shipped models and sample images."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import MODELS_DIR, ROOT, draw_text

SAMPLE_WORD = ROOT / "sample_images" / "word_letters.png"


def run_cli(*args, check=False):
    return subprocess.run([sys.executable, "-m", "htr_core", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=check)


def test_infer_prints_text_and_json_for_a_sample():
    result = run_cli("--mode", "infer", "--img_file", str(SAMPLE_WORD), "--json")
    assert result.returncode == 0, result.stderr
    reading = json.loads(result.stdout.strip().splitlines()[0])
    assert {"file", "text", "corrected", "confidence", "lines", "level"} <= set(reading)
    assert reading["text"] and 0 <= reading["confidence"] <= 1
    assert reading["level"] == "word"


def test_infer_reports_unreadable_files_and_goes_on(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    result = run_cli("--mode", "infer", "--img_file", str(broken), str(SAMPLE_WORD), "--json")
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert "error" in lines[0] and lines[1]["text"]


def test_validate_without_data_dir_fails_clearly():
    result = run_cli("--mode", "validate")
    assert result.returncode == 2
    assert "needs --data_dir" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_writes_a_report(tmp_path, pairs_fixture):
    report = tmp_path / "report.json"
    result = run_cli("--mode", "validate", "--data_dir", str(pairs_fixture), "--report", str(report),
                     "--decoder", "bestpath")
    assert result.returncode == 0, result.stderr
    assert "CER" in result.stdout and "case-insensitive" in result.stdout
    data = json.loads(report.read_text())
    assert data["items"] == 3 and 0 <= data["raw"]["strict"]["cer"]


def test_missing_model_dir_is_clear(tmp_path):
    result = run_cli("--mode", "infer", "--img_file", str(SAMPLE_WORD), "--model_dir", str(tmp_path / "none"))
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_inference_path_does_not_import_tensorflow():
    code = (
        "import sys, io\n"
        "from htr_core import cli\n"
        "args = cli.build_parser().parse_args(['--mode', 'infer', '--img_file', %r, '--decoder', 'wordbeamsearch'])\n"
        "out = io.StringIO(); cli.run_infer(args, out)\n"
        "assert out.getvalue().strip(), 'no reading'\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf2onnx')]\n"
        "print('LOADED', loaded)\n"
    ) % str(SAMPLE_WORD)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout


@pytest.mark.parametrize("name", ["word", "line"])
def test_shipped_models_are_complete(name):
    model_dir = MODELS_DIR / name
    for file in ("model.onnx", "model.keras", "config.json", "charset.txt", "model_card.md"):
        assert (model_dir / file).exists(), f"{model_dir / file} missing"


def test_infer_a_page_returns_lines_with_boxes():
    page = ROOT / "sample_images" / "page_washington_300.jpg"
    result = run_cli("--mode", "infer", "--img_file", str(page), "--json", "--decoder", "bestpath")
    assert result.returncode == 0, result.stderr
    reading = json.loads(result.stdout)
    assert reading["level"] == "page" and len(reading["lines"]) >= 8
    tops = [line["box"][1] for line in reading["lines"]]
    assert tops == sorted(tops)


def test_level_can_be_forced():
    result = run_cli("--mode", "infer", "--img_file", str(SAMPLE_WORD), "--json", "--level", "line")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["level"] == "line"


def test_the_english_word_pair_model_can_be_turned_off():
    from htr_core.cli import _pipeline, build_parser

    image = ["--mode", "infer", "--img_file", str(SAMPLE_WORD)]
    assert _pipeline(build_parser().parse_args(image)).settings.language_model > 0
    assert _pipeline(build_parser().parse_args([*image, "--no_language_model"])).settings.language_model == 0
    result = run_cli(*image, "--level", "line", "--no_language_model")
    assert result.returncode == 0 and result.stdout.strip(), result.stderr


def test_train_then_infer_with_the_new_model(tmp_path, pairs_fixture):
    model_dir = tmp_path / "model"
    result = run_cli("--mode", "train", "--data_dir", str(pairs_fixture), "--model_dir", str(model_dir),
                     "--epochs", "1", "--max_steps_per_epoch", "2", "--batch_size", "4", "--form_fields", "0.5",
                     "--width", "256")
    assert result.returncode == 0, result.stderr[-2000:]
    assert (model_dir / "model.onnx").exists() and (model_dir / "model.keras").exists()
    assert json.loads((model_dir / "config.json").read_text())["width"] == 256
    result = run_cli("--mode", "infer", "--img_file", str(SAMPLE_WORD), "--model_dir", str(model_dir), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "confidence" in json.loads(result.stdout)


def test_train_without_data_fails_clearly():
    result = run_cli("--mode", "train")
    assert result.returncode == 2 and "needs --data_dir" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name, samples", [("word", ["word_letters", "word_particularly", "word_you"]),
                                           ("line", ["line_disagreement", "line_returns"])])
def test_shipped_onnx_reads_like_its_keras_weights(name, samples):
    """The int8-recurrent ONNX file the app runs reads the sample images as the Keras weights do."""
    from htr_core.decode import log_softmax
    from htr_core.imageio import read_image
    from htr_core.metrics import error_rates
    from htr_core.runtime import Recognizer

    crops = [read_image(ROOT / "sample_images" / f"{sample}.png") for sample in samples]
    onnx_model = Recognizer(MODELS_DIR / name)
    keras_model = Recognizer(MODELS_DIR / name, prefer="keras")
    for onnx_logits, keras_logits in zip(onnx_model.logits(crops), keras_model.logits(crops)):
        assert np.abs(np.exp(log_softmax(onnx_logits)) - np.exp(log_softmax(keras_logits))).max() < 0.1
    onnx_texts = [reading.text for reading in onnx_model.read(crops, decoder="bestpath")]
    keras_texts = [reading.text for reading in keras_model.read(crops, decoder="bestpath")]
    # int8 weights may tip a character the network is torn about ("Pay" / "Pary"), no more.
    assert error_rates(keras_texts, onnx_texts).cer <= 0.02


def test_language_picks_the_lexicon_and_spelling_list():
    from htr_core.cli import _pipeline, build_parser

    image = ["--mode", "infer", "--img_file", str(SAMPLE_WORD)]
    assert _pipeline(build_parser().parse_args(image)).settings.language == "en"
    french = _pipeline(build_parser().parse_args([*image, "--language", "fr"]))
    assert french.settings.language == "fr" and french.line_recognizer.language == "fr"
    result = run_cli(*image, "--language", "fr")
    assert result.returncode == 0 and result.stdout.strip(), result.stderr
    refused = run_cli(*image, "--language", "de")
    assert refused.returncode == 2 and "invalid choice" in refused.stderr


@pytest.mark.slow
def test_the_built_wheel_carries_the_models_and_reads_outside_the_checkout(tmp_path):
    import zipfile

    from PIL import Image

    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)],
                   check=True, capture_output=True)
    wheel = next(wheels.glob("htr_core-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for kind in ("line", "word"):
        assert f"htr_core/models/{kind}/model.onnx" in names and f"htr_core/models/{kind}/config.json" in names
        assert f"htr_core/models/{kind}/model.keras" not in names  # training weights stay in the repository
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    Image.fromarray(draw_text("hello")).save(elsewhere / "word.png")
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-m", "htr_core", "--mode", "infer", "--img_file", "word.png"],
                            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip(), result.stderr
    where = subprocess.run([sys.executable, "-c", "from htr_core.runtime import default_model_dir; "
                            "print(default_model_dir(True))"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert where.stdout.strip().startswith(str(target))
