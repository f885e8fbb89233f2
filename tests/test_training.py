"""A few training steps of a tiny model: checkpoints, resume, export, ONNX/Keras agreement."""

import json

import numpy as np
import pytest

from htr_core.recognition.model_config import ModelConfig
from htr_core.recognition.recognizer import Recognizer

from conftest import draw_text

TINY = {"conv_filters": (8, 16, 16, 16, 16), "lstm_units": 16, "lstm_layers": 1}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from PIL import Image

    from htr_core.training.train import TrainConfig, train

    data = tmp_path_factory.mktemp("pairs")
    for index, text in enumerate(["cat", "dog", "hat", "pig", "cow", "owl"]):
        Image.fromarray(draw_text(text)).save(data / f"{index}.png")
        (data / f"{index}.txt").write_text(text)
    model_dir = tmp_path_factory.mktemp("model")
    config = TrainConfig(model_dir=model_dir, pairs_dirs=(data,), batch_size=4, epochs=1,
                         max_steps_per_epoch=2, verbose=0, model_overrides=TINY)
    first = train(config)
    # Resume: a second call with more epochs continues from the saved state, here annealing.
    second = train(TrainConfig(**{**config.__dict__, "epochs": 2, "lr_schedule": "cosine"}))
    return model_dir, first, second


def test_training_writes_a_complete_model_dir(tiny_model):
    model_dir, first, second = tiny_model
    for name in ("model.keras", "model.onnx", "config.json", "charset.txt", "last.keras", "train_state.json"):
        assert (model_dir / name).exists(), name
    config = ModelConfig.load(model_dir)
    assert config.conv_filters == TINY["conv_filters"] and config.width == 128
    assert first["epochs"] == 1 and second["epochs"] == 2
    state = json.loads((model_dir / "train_state.json").read_text())
    assert [h["epoch"] for h in state["history"]] == [1, 2]
    assert all(np.isfinite(h["loss"]) for h in state["history"])
    # The resumed epoch ran at the cosine step size for epoch 1 of 2, not the plateau default.
    assert [h["learning_rate"] for h in state["history"]] == pytest.approx([1e-3, 0.51e-3])


def test_cosine_schedule_anneals_from_peak_to_floor():
    from htr_core.training.train import cosine_learning_rate

    rates = [cosine_learning_rate(1e-3, epoch, 10) for epoch in range(11)]
    assert rates[0] == pytest.approx(1e-3) and rates[-1] == pytest.approx(2e-5)
    assert all(a > b for a, b in zip(rates, rates[1:]))
    assert cosine_learning_rate(1e-3, 25, 10) == pytest.approx(2e-5)  # past the end: stays at the floor


def test_unknown_schedule_is_an_error():
    from htr_core.training.train import TrainConfig

    with pytest.raises(ValueError, match="lr_schedule"):
        TrainConfig(model_dir="x", lr_schedule="linear")


def test_onnx_export_tracks_keras_with_int8_recurrent_weights(tiny_model):
    import onnx

    model_dir = tiny_model[0]
    graph = onnx.load(str(model_dir / "model.onnx")).graph
    op_types = {node.op_type for node in graph.node}
    assert "DynamicQuantizeLSTM" in op_types and "LSTM" not in op_types
    crops = [draw_text("cat"), draw_text("a longer crop")]
    onnx_model, keras_model = Recognizer(model_dir), Recognizer(model_dir, prefer="keras")
    onnx_logits = onnx_model.run_model(onnx_model.prepare(crops)[0])
    keras_logits = keras_model.run_model(keras_model.prepare(crops)[0])
    for a, b in zip(onnx_logits, keras_logits):
        assert a.shape == b.shape == (32, 80)
        # A barely trained model has logits near 0, where int8 rounding is large relative to them:
        # the two must still move together (a broken export decorrelates).
        assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.95


def test_unknown_config_keys_are_errors():
    from htr_core.training.train import TrainConfig

    with pytest.raises(ValueError, match="unknown"):
        TrainConfig.from_dict({"model_dir": "x", "epochz": 3})
    with pytest.raises(ValueError, match="unknown"):
        ModelConfig.from_dict({"heigth": 32})


def test_training_without_data_is_a_clear_error(tmp_path):
    from htr_core.training.train import TrainConfig, train

    with pytest.raises(ValueError, match="no training data"):
        train(TrainConfig(model_dir=tmp_path / "m", verbose=0))


def test_items_with_unknown_characters_are_left_out_before_training():
    from htr_core.charset import Charset
    from htr_core.data.dataset import ArrayDataset, ConcatDataset, SampledDataset
    from htr_core.data.forms import FormFieldDataset
    from htr_core.training.train import trainable_indices

    image = np.zeros((4, 4), np.uint8)
    known = ArrayDataset([image] * 3, ["ok", "£5", "fine"])
    generated = SampledDataset(ArrayDataset([image] * 2, ["x", "y"]), 2)  # labels unknown until drawn
    indices = trainable_indices(ConcatDataset([known, generated]), Charset(), 16)
    assert indices.tolist() == [0, 2, 3, 4]
    framed = FormFieldDataset(known, 0.5)  # framing keeps the labels, so they are still checked
    assert trainable_indices(ConcatDataset([framed, generated]), Charset(), 16).tolist() == [0, 2, 3, 4]


def test_a_run_from_other_weights_counts_the_epochs_behind_them(tiny_model, tmp_path):
    from PIL import Image

    from htr_core.training.train import TrainConfig, epochs_trained, train

    source, _, _ = tiny_model
    assert epochs_trained(source) == 2
    assert epochs_trained(tmp_path) == 0  # no training state: nothing known
    Image.fromarray(draw_text("cat")).save(tmp_path / "cat.png")
    (tmp_path / "cat.txt").write_text("cat")
    target = tmp_path / "next"
    train(TrainConfig(model_dir=target, pairs_dirs=(tmp_path,), batch_size=1, epochs=1, max_steps_per_epoch=1,
                      verbose=0, init_from=source, model_overrides=TINY))
    state_file = target / "train_state.json"
    assert json.loads(state_file.read_text())["prior_epochs"] == 2
    assert epochs_trained(target) == 3
    # The shipped weights are the best holdout epoch's: later, worse epochs are not behind them.
    state = json.loads(state_file.read_text())
    state["history"].append({**state["history"][0], "epoch": 2, "holdout_cer": state["best_cer"] + 0.1})
    state["epoch"] = 2
    state_file.write_text(json.dumps(state))
    assert epochs_trained(target) == 3


def test_fine_tuning_keeps_the_source_models_input_width(tmp_path):
    from htr_core.training.train import TrainConfig, input_width

    (tmp_path / "config.json").write_text(ModelConfig(width=256).to_json())
    assert input_width(TrainConfig(model_dir=tmp_path / "new", init_from=tmp_path)) == 256
    # A line model started from word weights reads lines: its own default width.
    assert input_width(TrainConfig(model_dir=tmp_path / "new", init_from=tmp_path, line_mode=True)) == 512
    assert input_width(TrainConfig(model_dir=tmp_path / "new")) == 128


def test_stroke_drawn_samples_are_a_training_source(tmp_path):
    from htr_core.training.train import TrainConfig, build_datasets

    train_set, holdout = build_datasets(TrainConfig(model_dir=tmp_path, strokes_per_epoch=5, line_mode=True))
    assert len(train_set) == 5 and len(holdout) == 0
    image, text = train_set[0]
    assert image.dtype == np.uint8 and image.min() < 128 and len(text.split()) >= 3


def test_a_model_of_a_larger_charset_starts_from_the_smaller_ones_output_rows(tiny_model, tmp_path):
    from htr_core.charset import CHARSETS, Charset
    from htr_core.training.model import build_crnn, load_keras_model
    from htr_core.training.train import copy_weights

    source_dir = tiny_model[0]
    source, english = load_keras_model(source_dir), Charset.load(source_dir / "charset.txt")
    french = Charset(CHARSETS["multilingual"])
    target = build_crnn(ModelConfig.load(source_dir), french)
    copy_weights(source, english, target, french)
    kernel, bias = target.get_layer("logits").get_weights()
    source_kernel, source_bias = source.get_layer("logits").get_weights()
    lookup = {c: i + 1 for i, c in enumerate(english.characters)}
    for char, base in (("e", "e"), ("é", "e"), ("À", "A"), ("Z", "Z")):
        column = french.characters.index(char) + 1
        assert np.array_equal(kernel[:, column], source_kernel[:, lookup[base]]), char
    assert np.array_equal(kernel[:, 0], source_kernel[:, 0])  # the blank stays the blank
    new = french.characters.index("œ") + 1  # no letter to start from: as built, with the lowest bias
    assert bias[new] == pytest.approx(source_bias.min())
    assert np.array_equal(target.get_layer("conv0").get_weights()[0], source.get_layer("conv0").get_weights()[0])
    # Same charset: a plain copy.
    same = build_crnn(ModelConfig.load(source_dir), english)
    copy_weights(source, english, same, english)
    assert all(np.array_equal(a, b) for a, b in zip(same.get_weights(), source.get_weights()))


def test_new_line_sources_join_training_and_model_selection(tmp_path):
    from htr_core.training.train import TrainConfig, build_datasets
    from test_data_lines import _write_online

    zigzag = [[x, 0 if x % 200 else 600] for x in range(0, 1001, 100)]
    online = _write_online(tmp_path / "ondb", [("a01-000u-01", "train", "a line", [zigzag]),
                                               ("a01-000u-02", "val", "held out", [zigzag]),
                                               ("a01-001u-01", "dev", "never seen", [zigzag])])
    train_set, holdout = build_datasets(TrainConfig(model_dir=tmp_path / "m", line_mode=True, iam_ondb_dir=online,
                                                    charset="multilingual"))
    assert [train_set[0][1]] == ["a line"] and [holdout[0][1]] == ["held out"]  # dev is never read
    with pytest.raises(ValueError, match="charset"):
        TrainConfig(model_dir="x", charset="klingon")


def test_a_model_config_written_before_the_decoder_was_nested_still_loads():
    from htr_core.decoding.config import DecoderConfig

    flat = {"name": "line", "line_mode": True, "decoder": "wordbeamsearch", "beam_width": 8, "lm_weight": 0.7,
            "lexicon_size": 20000, "oov_margin": 10.0}
    config = ModelConfig.from_dict(flat)
    assert config.decoder == DecoderConfig("wordbeamsearch", 8, 0.7, 20000, 10.0) and config.word_check is None
    assert ModelConfig.from_dict(json.loads(config.to_json())) == config
    with pytest.raises(ValueError, match="unknown decoder config keys"):
        ModelConfig.from_dict({"decoder": {"name": "beamsearch", "beams": 4}})


def test_a_shortcut_head_trains_beside_the_model_and_is_left_out_of_what_reads(tiny_model, tmp_path):
    """Retsinas et al.'s auxiliary CTC head: a second output while training (kept in last.keras to
    resume), gone from model.keras and model.onnx; a run from a model without one starts it as built."""
    import keras
    import onnx

    from htr_core.training.train import TrainConfig, train

    source, _, _ = tiny_model
    config = TrainConfig(model_dir=tmp_path / "run", pairs_dirs=(tmp_path,), batch_size=2, epochs=1,
                         max_steps_per_epoch=2, verbose=0, init_from=source,
                         model_overrides={**TINY, "shortcut_weight": 0.1})
    for index, text in enumerate(["cat", "dog", "hat"]):
        from PIL import Image

        Image.fromarray(draw_text(text)).save(tmp_path / f"{index}.png")
        (tmp_path / f"{index}.txt").write_text(text)
    train(config)
    train(TrainConfig(**{**config.__dict__, "epochs": 2}))  # resumed, with the head
    run = tmp_path / "run"
    assert ModelConfig.load(run).shortcut_weight == 0.1
    assert len(keras.models.load_model(run / "last.keras", compile=False).outputs) == 2
    assert len(keras.models.load_model(run / "model.keras", compile=False).outputs) == 1
    assert len(onnx.load(str(run / "model.onnx")).graph.output) == 1
    state = json.loads((run / "train_state.json").read_text())
    assert [h["epoch"] for h in state["history"]] == [1, 2] and all(np.isfinite(h["loss"]) for h in state["history"])
    logits = Recognizer(run).run_model(Recognizer(run).prepare([draw_text("cat")])[0])
    assert logits.shape == (1, 32, 80) and np.isfinite(logits).all()


def test_a_wider_recurrent_model_keeps_the_source_convolutions_and_starts_the_rest_as_built(tiny_model):
    from dataclasses import replace

    from htr_core.charset import Charset
    from htr_core.training.model import build_crnn, load_keras_model
    from htr_core.training.train import copy_weights

    source_dir = tiny_model[0]
    source, charset = load_keras_model(source_dir), Charset.load(source_dir / "charset.txt")
    config = ModelConfig.load(source_dir)
    wider = build_crnn(replace(config, lstm_units=config.lstm_units * 2), charset)
    built = {layer.name: layer.get_weights() for layer in wider.layers}
    copy_weights(source, charset, wider, charset)
    for name in ("conv0", "bn0"):
        assert all(np.array_equal(a, b) for a, b in zip(wider.get_layer(name).get_weights(),
                                                        source.get_layer(name).get_weights()))
    for name in ("bilstm0", "logits"):
        assert all(np.array_equal(a, b) for a, b in zip(wider.get_layer(name).get_weights(), built[name]))
