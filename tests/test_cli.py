"""The command line, run as users run it, on the shipped models and sample images."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import MODELS_DIR, ROOT, draw_text, form_page

SAMPLE_WORD = ROOT / "sample_images" / "word_letters.png"


def run_cli(*args, check=False):
    return subprocess.run([sys.executable, "-m", "htr_core", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=check)


def test_infer_prints_text_and_json_for_a_sample():
    result = run_cli("--mode", "infer", "--img_file", str(SAMPLE_WORD), "--json")
    assert result.returncode == 0, result.stderr
    reading = json.loads(result.stdout.strip().splitlines()[0])
    assert {"file", "text", "raw_text", "confidence", "lines", "level"} <= set(reading)
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
    assert _pipeline(build_parser().parse_args(image)).settings.language_model is True
    assert _pipeline(build_parser().parse_args([*image, "--no_language_model"])).settings.language_model is False
    result = run_cli(*image, "--level", "line", "--no_language_model")
    assert result.returncode == 0 and result.stdout.strip(), result.stderr


def test_train_then_infer_with_the_new_model(tmp_path, pairs_fixture):
    model_dir = tmp_path / "model"
    result = run_cli("--mode", "train", "--data_dir", str(pairs_fixture), "--model_dir", str(model_dir),
                     "--epochs", "1", "--max_steps_per_epoch", "2", "--batch_size", "4", "--form_fields", "0.5",
                     "--width", "256", "--lstm_layers", "1", "--shortcut_weight", "0.1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert (model_dir / "model.onnx").exists() and (model_dir / "model.keras").exists()
    config = json.loads((model_dir / "config.json").read_text())
    assert (config["width"], config["lstm_layers"], config["shortcut_weight"]) == (256, 1, 0.1)
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
    from htr_core.evaluation.metrics import error_rates
    from htr_core.io.images import read_image
    from htr_core.recognition.reader import TextReader
    from htr_core.recognition.recognizer import Recognizer

    crops = [read_image(ROOT / "sample_images" / f"{sample}.png") for sample in samples]
    onnx_model = TextReader.of(Recognizer(MODELS_DIR / name), "bestpath")
    keras_model = TextReader.of(Recognizer(MODELS_DIR / name, prefer="keras"), "bestpath")
    (onnx_frames, onnx_read), (keras_frames, keras_read) = onnx_model.read_with_frames(crops), keras_model.read_with_frames(crops)
    for onnx_reading, keras_reading in zip(onnx_frames, keras_frames):
        assert np.abs(np.exp(onnx_reading.log_probs) - np.exp(keras_reading.log_probs)).max() < 0.1
    onnx_texts = [reading.text for reading in onnx_read]
    keras_texts = [reading.text for reading in keras_read]
    # int8 weights may tip a character the network is torn about ("Pay" / "Pary"), no more.
    assert error_rates(keras_texts, onnx_texts).cer <= 0.02


def test_language_picks_the_lexicon_and_spelling_list():
    from htr_core.cli import _pipeline, build_parser

    image = ["--mode", "infer", "--img_file", str(SAMPLE_WORD)]
    assert _pipeline(build_parser().parse_args(image)).settings.language == "en"
    french = _pipeline(build_parser().parse_args([*image, "--language", "fr"]))
    assert french.settings.language == "fr" and french.line_reader.decoder.language == "fr"
    result = run_cli(*image, "--language", "fr")
    assert result.returncode == 0 and result.stdout.strip(), result.stderr
    refused = run_cli(*image, "--language", "de")
    assert refused.returncode == 2 and "invalid choice" in refused.stderr


def _mixed_folder(folder):
    """A PNG, a 2-page PDF and a corrupt file, as a user's folder holds them."""
    from PIL import Image

    folder.mkdir()
    Image.fromarray(draw_text("hello")).save(folder / "word.png")
    pages = [Image.fromarray(draw_text(text)) for text in ("first page", "second page")]
    pages[0].save(folder / "two.pdf", save_all=True, append_images=pages[1:], resolution=150)
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return folder


@pytest.mark.slow
def test_the_built_wheel_reads_a_folder_from_elsewhere_into_every_format(tmp_path):
    import zipfile

    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)],
                   check=True, capture_output=True)
    wheel = next(wheels.glob("htr_core-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for kind in ("line", "word"):
        assert f"htr_core/models/{kind}/model.onnx" in names and f"htr_core/models/{kind}/config.json" in names
        assert f"htr_core/models/{kind}/model.keras" not in names  # training weights stay in the repository
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("/METADATA"))).decode()
    core = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert core and not any(big in line for line in core for big in ("streamlit", "fastapi", "tensorflow", "ray"))
    for extra in ("app", "api", "train", "ray"):
        assert f"Provides-Extra: {extra}" in metadata
    # The wheel alone on the path (its dependencies from this environment), run from another folder.
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    _mixed_folder(tmp_path / "scans")
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-m", "htr_core", "read", "scans", "-o", "out", "--format", "txt,pdf,hocr"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stderr
    assert "broken.png" in result.stderr and "2 read (3 pages), 0 skipped, 1 failed" in result.stderr
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["two.hocr", "two.pdf", "two.txt", "word.hocr", "word.pdf", "word.txt"]
    assert (out / "two.txt").read_text().count("\f") == 1
    where = subprocess.run([sys.executable, "-c", "from htr_core.recognition.recognizer import default_model_dir; "
                            "print(default_model_dir(True))"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert where.stdout.strip().startswith(str(target))


def test_a_read_resumes_skipping_what_is_done_and_writes_searchable_pdf_and_hocr(tmp_path):
    import xml.etree.ElementTree as ET

    import pypdfium2 as pdfium

    from htr_core.cli import main

    folder = _mixed_folder(tmp_path / "scans")
    out = tmp_path / "out"
    assert main(["read", str(folder), "-o", str(out), "--format", "json,pdf,hocr", "--quiet"]) == 1
    first = (out / "word.json").stat().st_mtime_ns
    assert main(["read", str(folder), "-o", str(out), "--format", "json,pdf,hocr", "--quiet"]) == 1
    assert (out / "word.json").stat().st_mtime_ns == first  # done: skipped
    (folder / "broken.png").unlink()
    assert main(["read", str(folder), "-o", str(out), "--format", "json,pdf,hocr", "--quiet", "--overwrite"]) == 0
    reading = json.loads((out / "two.json").read_text())
    document = pdfium.PdfDocument(out / "two.pdf")
    assert len(document) == 2
    for page, result in zip(document, reading):
        words = [w for line in result["lines"] for w in line["text"].split()]
        text = page.get_textpage()
        assert text.get_text_range().split() == words  # in reading order
        height = page.get_size()[1]
        for index in range(text.count_rects()):  # each word's glyphs inside its box (points, y up)
            left, bottom, right, top = text.get_rect(index)
            boxes = [w["box"] for line in result["lines"] for w in line["words"]]
            assert any(b[0] * 0.36 - 2 <= left and right <= b[2] * 0.36 + 2 and height - b[3] * 0.36 - 2 <= bottom
                       for b in boxes)
    hocr = ET.fromstring((out / "two.hocr").read_text().split("\n", 2)[2])
    named = [w.text for w in hocr.iter("{http://www.w3.org/1999/xhtml}span") if w.get("class") == "ocrx_word"]
    assert named == [w for result in reading for line in result["lines"] for w in line["text"].split()]


def test_the_operators_page_limit_reaches_the_cli(tmp_path, monkeypatch, capsys):
    from htr_core.cli import main

    folder = _mixed_folder(tmp_path / "scans")
    (folder / "broken.png").unlink()
    monkeypatch.setenv("HTR_MAX_PAGES", "1")
    assert main(["read", str(folder), "-o", str(tmp_path / "out"), "--format", "txt", "--quiet"]) == 1
    assert "has 2 pages; the limit is 1" in capsys.readouterr().err
    assert (tmp_path / "out" / "word.txt").exists()  # the rest go on


def test_read_usage_errors_and_version():
    assert run_cli("read", str(SAMPLE_WORD), "--format", "docx").returncode == 2
    assert run_cli("read", str(SAMPLE_WORD), "--format", "json").returncode == 2  # needs -o
    text = run_cli("read", str(SAMPLE_WORD), "--quiet")
    assert text.returncode == 0 and text.stdout.strip()
    assert run_cli("--version").stdout.startswith("htr_core ")


def test_worker_processes_read_the_same(tmp_path):
    from htr_core.cli import main

    folder = _mixed_folder(tmp_path / "scans")
    (folder / "broken.png").unlink()
    assert main(["read", str(folder), "-o", str(tmp_path / "one"), "--format", "txt", "--quiet"]) == 0
    assert main(["read", str(folder), "-o", str(tmp_path / "two"), "--format", "txt", "--quiet", "--jobs", "2"]) == 0
    for name in ("word.txt", "two.txt"):
        assert (tmp_path / "one" / name).read_text() == (tmp_path / "two" / name).read_text()


@pytest.mark.slow
def test_the_ray_engine_reads_a_folder_as_the_local_one_does(tmp_path):
    pytest.importorskip("ray")
    from htr_core.cli import main

    folder = _mixed_folder(tmp_path / "scans")
    assert main(["read", str(folder), "-o", str(tmp_path / "local"), "--format", "txt,json", "--quiet"]) == 1
    # A local Ray instance of two CPUs, as on a cluster's head node; its own process, shut down after.
    result = run_cli("read", str(folder), "-o", str(tmp_path / "ray"), "--format", "txt,json", "--quiet",
                     "--engine", "ray", "--jobs", "2")
    assert result.returncode == 1, result.stderr
    assert "broken.png: not an image format" in result.stderr and "2 read (3 pages), 0 skipped, 1 failed" in result.stderr
    for name in ("word.txt", "two.txt", "two.json"):
        assert (tmp_path / "ray" / name).read_text() == (tmp_path / "local" / name).read_text()


def test_a_saved_drawing_reads_right_when_said_to_be_one(capsys):
    from htr_core.cli import main

    assert main(["read", str(ROOT / "sample_images" / "drawing_hello.png"), "--drawing", "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == "hello world\nread my hand"


def test_a_forms_printed_header_can_be_left_out(tmp_path, capsys):
    from htr_core.cli import main

    Image.fromarray(form_page()).save(tmp_path / "form.png")
    assert main(["read", str(tmp_path / "form.png"), "--quiet"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 3
    assert main(["read", str(tmp_path / "form.png"), "--drop_printed", "--quiet"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2

