"""Training loop: real + synthetic data, CTC loss, checkpoints, resume, early stopping, export.

Model selection uses a writer-disjoint holdout carved from the *training* writers, so the
official ``val``/``dev`` splits stay untouched until the final measurement.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from htr_core.charset import CHARSETS, Charset
from htr_core.data.batching import make_batch, max_label_length, usable_indices
from htr_core.data.dataset import ConcatDataset, Dataset, FileDataset, Sample, SampledDataset
from htr_core.decoding.ctc import best_path, log_softmax
from htr_core.evaluation.metrics import error_rates
from htr_core.training.model import build_crnn, export_onnx, load_keras_model, reading_part, save_model_dir
from htr_core.recognition.model_config import CHARSET_FILE, KERAS_FILE, LR_SCHEDULES, ONNX_FILE, ModelConfig
from htr_core.types import check_keys

log = logging.getLogger(__name__)

STATE_FILE = "train_state.json"
LAST_CHECKPOINT = "last.keras"


@dataclass(frozen=True)
class TrainConfig:
    model_dir: Path
    name: str = "word"
    line_mode: bool = False
    width: int | None = None  # default: that of init_from's model, else 128 for words, 512 for lines
    iam_dir: Path | None = None
    washington_dir: Path | None = None
    iam_ondb_dir: Path | None = None  # pen-stroke lines, drawn in a random style each epoch
    copiste_dir: Path | None = None  # French lines cut from ruled pages
    charset: str = "english"  # a name in charset.CHARSETS
    pairs_dirs: tuple[Path, ...] = ()
    fonts_dir: Path | None = None
    synthetic_per_epoch: int = 0
    strokes_per_epoch: int = 0  # samples drawn along single-stroke letters (data/strokes.py)
    form_fields: float = 0.0  # share of training samples framed as form fields (printed label, rule)
    words_in_line_mode: int = 4000  # line mode: real single words mixed into each epoch
    batch_size: int = 64
    epochs: int = 40
    learning_rate: float = 1e-3
    lr_schedule: str = "plateau"  # plateau: halve after 3 stale epochs; cosine: anneal to 2% at `epochs`
    patience: int = 8
    init_from: Path | None = None  # start from another model's weights (e.g. word -> line)
    max_steps_per_epoch: int | None = None
    holdout_every: int = 16  # 1 in N training writers is held out for model selection
    max_holdout: int = 1500
    fast: bool = False  # cache real images in LMDB
    seed: int = 0
    verbose: int = 2
    model_overrides: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, not {self.lr_schedule!r}")
        if self.charset not in CHARSETS:
            raise ValueError(f"charset must be one of {tuple(CHARSETS)}, not {self.charset!r}")

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        return cls(**check_keys(cls, data, "training config"))


def cosine_learning_rate(peak: float, epoch: int, epochs: int, floor: float = 0.02) -> float:
    """Step size for 0-based ``epoch`` of ``epochs``: cosine from ``peak`` down to ``floor * peak``.
    A resumed run with a larger ``epochs`` picks up the curve where that epoch sits on it."""
    progress = min(max(epoch / max(epochs, 1), 0.0), 1.0)
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def input_width(config: TrainConfig) -> int:
    """The input box width when none is given: a fine-tuned model keeps its source's, whose
    weights learnt letters at that scale; a new one gets 128 (words) or 512 (lines)."""
    if config.init_from is not None:
        source = ModelConfig.load(config.init_from)
        if source.line_mode == config.line_mode:
            return source.width
    return 512 if config.line_mode else 128


def epochs_trained(model_dir: Path) -> int:
    """Epochs behind a model directory's weights, counting the runs its own initial weights came
    from (0 where it does not say). Its weights are the best holdout epoch's, not the last's."""
    path = Path(model_dir) / STATE_FILE
    if not path.exists():
        return 0
    state = json.loads(path.read_text())
    best = next((entry["epoch"] for entry in state.get("history", [])
                 if entry.get("holdout_cer") == state.get("best_cer")), state.get("epoch", 0))
    return int(best) + int(state.get("prior_epochs", 0))


def copy_weights(source, source_charset: Charset, target, target_charset: Charset) -> None:
    """``source``'s weights into ``target``; where the charsets differ, each output class starts
    from the source class of the same character (or its unaccented letter), new ones as built.
    Layers the source lacks (a shortcut head) or has in another shape (a wider BiLSTM, and the
    layer after it) start as built."""
    rows = target_charset.remap_rows(source_charset)
    sources = {layer.name: layer for layer in source.layers}
    for layer in target.layers:
        if layer.name not in sources:
            log.info("%s: not in the source model, starts as built", layer.name)
            continue
        weights = sources[layer.name].get_weights()
        if _comparable_shapes(layer.name, weights) != _comparable_shapes(layer.name, layer.get_weights()):
            log.info("%s: shaped differently in the source model, starts as built", layer.name)
            continue
        if layer.name == "logits" and source_charset != target_charset:
            kernel, bias = layer.get_weights()
            known = rows >= 0
            kernel[:, known], bias[known] = weights[0][:, rows[known]], weights[1][rows[known]]
            bias[~known] = bias[known].min() if known.any() else bias[~known]
            weights = [kernel, bias]
        layer.set_weights(weights)
    if source_charset != target_charset:
        log.info("output classes copied from %d of %d characters", int((rows[1:] >= 0).sum()), len(rows) - 1)


def _comparable_shapes(name: str, weights: list) -> list[tuple[int, ...]]:
    """The shapes of a layer's weights; for the logits only their inputs (another charset's
    output classes are copied row by row)."""
    if name == "logits":
        return [tuple(weights[0].shape[:-1])]
    return [tuple(w.shape) for w in weights]


Parts = tuple[list[Dataset], list[Dataset]]  # (training, held-out) datasets of one source


def build_datasets(config: TrainConfig) -> tuple[Dataset, Dataset]:
    """(train, holdout) from every configured source, in a fixed order (a resumed run sees the same)."""
    from htr_core.data.forms import FormFieldDataset

    train_parts: list[Dataset] = []
    holdout_parts: list[Dataset] = []
    for source in (_iam_parts, _washington_parts, _online_parts, _copiste_parts, _pairs_parts, _generated_parts):
        train, held = source(config)
        train_parts += train
        holdout_parts += held
    if config.form_fields:
        train_parts = [FormFieldDataset(part, config.form_fields, config.seed + i)
                       for i, part in enumerate(train_parts)]
    train = ConcatDataset(train_parts)
    if len(train) == 0:
        raise ValueError("no training data: give --data_dir (IAM layout or image/.txt pairs) or fonts")
    return train, ConcatDataset(holdout_parts)


def _iam_parts(config: TrainConfig) -> Parts:
    """IAM train words, 1 writer in ``holdout_every`` held out; a line model reads them pasted into lines."""
    if config.iam_dir is None:
        return [], []
    from htr_core.data.iam import is_holdout_writer, load_iam_words
    from htr_core.data.lines import SimulatedLineDataset

    words = load_iam_words(config.iam_dir, split="train")
    train_words = [s for s in words if not is_holdout_writer(s.writer, config.holdout_every)]
    held = [s for s in words if is_holdout_writer(s.writer, config.holdout_every)]
    log.info("IAM train words: %d for training, %d held out (%d writers)",
             len(train_words), len(held), len({s.writer for s in held}))
    word_set = _maybe_cached(train_words, config, "iam_train")
    if not config.line_mode:
        return [word_set], [FileDataset(held)]
    train = [SimulatedLineDataset(train_words, seed=config.seed)]
    if config.words_in_line_mode:
        train.append(SampledDataset(word_set, config.words_in_line_mode, config.seed))
    return train, [SimulatedLineDataset(held, seed=config.seed + 1), FileDataset(held)]


def _washington_parts(config: TrainConfig) -> Parts:
    if config.washington_dir is None:
        return [], []
    from htr_core.data.washington import washington_line_crops, washington_word_crops

    washington_words = washington_word_crops(config.washington_dir, "train")
    if not config.line_mode:
        return [washington_words], []
    # One hand's words: a share of an epoch, like IAM's, so lines of many hands dominate.
    return [SampledDataset(washington_words, config.words_in_line_mode // 2, config.seed + 5),
            washington_line_crops(config.washington_dir, "train")], []


def _online_parts(config: TrainConfig) -> Parts:
    """IAM-OnDB train lines drawn from their strokes; its own writer-independent val split selects
    the model (500 of its lines, each drawn in one random style)."""
    if config.iam_ondb_dir is None:
        return [], []
    from htr_core.data.iam_ondb import OnlineLineDataset, load_online_lines

    held_lines = load_online_lines(config.iam_ondb_dir, "val")
    return ([OnlineLineDataset(load_online_lines(config.iam_ondb_dir, "train"), config.seed + 3)],
            [OnlineLineDataset(held_lines[:: max(1, len(held_lines) // 500)], config.seed + 4)])


def _copiste_parts(config: TrainConfig) -> Parts:
    if config.copiste_dir is None:
        return [], []
    from htr_core.data.copiste import copiste_line_crops, is_holdout_page, load_copiste_lines

    lines = load_copiste_lines(config.copiste_dir, "train")
    return ([copiste_line_crops(config.copiste_dir, [ln for ln in lines if not is_holdout_page(ln.page)])],
            [copiste_line_crops(config.copiste_dir, [ln for ln in lines if is_holdout_page(ln.page)])])


def _pairs_parts(config: TrainConfig) -> Parts:
    from htr_core.data.pairs import load_pairs

    train = []
    for folder in config.pairs_dirs:
        pairs = load_pairs(folder)
        log.info("%s: %d image/text pairs", folder, len(pairs))
        train.append(_maybe_cached(pairs, config, Path(folder).name))
    return train, []


def _generated_parts(config: TrainConfig) -> Parts:
    """Synthetic writing from fonts (a line model also gets a third as many words) and along pen strokes."""
    from htr_core.data.strokes import StrokeDataset
    from htr_core.data.synthetic import SyntheticDataset

    train: list[Dataset] = []
    if config.synthetic_per_epoch and config.fonts_dir is not None:
        train.append(SyntheticDataset(config.fonts_dir, config.synthetic_per_epoch, line_mode=config.line_mode,
                                      seed=config.seed))
        if config.line_mode:
            train.append(SyntheticDataset(config.fonts_dir, config.synthetic_per_epoch // 3, line_mode=False,
                                          seed=config.seed + 7))
    if config.strokes_per_epoch:
        train.append(StrokeDataset(config.strokes_per_epoch, line_mode=config.line_mode, seed=config.seed + 11))
    return train, []


def _maybe_cached(samples: list[Sample], config: TrainConfig, name: str) -> Dataset:
    if not config.fast:
        return FileDataset(samples)
    from htr_core.data.lmdb_cache import LmdbDataset, build_lmdb_cache

    cache = Path(config.model_dir) / "cache" / f"{name}.lmdb"
    if not cache.exists():
        build_lmdb_cache(FileDataset(samples), cache)
    return LmdbDataset(cache)


def trainable_indices(dataset: Dataset, charset: Charset, max_length: int) -> np.ndarray:
    """Indices worth training on: items of parts that know their labels are checked up front
    (unknown characters, too long: skipped with a warning); generated parts are checked per batch."""
    parts = dataset.parts if isinstance(dataset, ConcatDataset) else [dataset]
    keep, offset = [], 0
    for part in parts:
        getter = getattr(part, "texts", None)
        if getter is None:
            keep.append(np.arange(offset, offset + len(part)))
        else:
            keep.append(usable_indices(getter(), charset, max_length) + offset)
        offset += len(part)
    return np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)


def _keras_sequence(dataset: Dataset, indices: np.ndarray, charset: Charset, model_config: ModelConfig,
                    batch_size: int, seed: int, augment: bool, max_steps: int | None):
    import keras

    class BatchSequence(keras.utils.PyDataset):
        """Shuffled, augmented batches; threads overlap image work with training."""

        def __init__(self):
            super().__init__(workers=2, use_multiprocessing=False, max_queue_size=8)
            self.epoch = 0
            self.order = indices.copy()
            self.shuffle()

        def shuffle(self):
            np.random.default_rng(seed + self.epoch).shuffle(self.order)

        def __len__(self):
            steps = math.ceil(len(self.order) / batch_size)
            return min(steps, max_steps) if max_steps else steps

        def __getitem__(self, step):
            batch_indices = self.order[step * batch_size : (step + 1) * batch_size]
            rng = np.random.default_rng((seed, self.epoch, step)) if augment else None
            batch = make_batch(dataset, batch_indices, charset, model_config.height, model_config.width, rng)
            # A shortcut head learns the same labels as the main output.
            return batch.images, ((batch.labels, batch.labels) if model_config.shortcut_weight else batch.labels)

        def on_epoch_end(self):
            self.epoch += 1
            self.shuffle()

    return BatchSequence()


def predict_texts(model, dataset: Dataset, indices: np.ndarray, charset: Charset,
                  model_config: ModelConfig, batch_size: int = 64) -> tuple[list[str], list[str]]:
    """(references, best-path predictions) with the Keras model; used for model selection."""
    refs, hyps = [], []
    for start in range(0, len(indices), batch_size):
        batch = make_batch(dataset, indices[start : start + batch_size], charset,
                           model_config.height, model_config.width)
        logits = model.predict_on_batch(batch.images)
        refs.extend(batch.texts)
        hyps.extend(best_path(log_softmax(row), charset).text for row in np.asarray(logits, dtype=np.float64))
    return refs, hyps


def train(config: TrainConfig) -> dict:
    """Train (or resume) a model into ``config.model_dir``; returns the final holdout report."""
    import keras

    model_dir = Path(config.model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    width = config.width or input_width(config)
    model_config = ModelConfig(name=config.name, line_mode=config.line_mode, width=width,
                               **config.model_overrides)
    charset = Charset(CHARSETS[config.charset])
    keras.utils.set_random_seed(config.seed)

    # Written first, so a model exported mid-run still says how it was trained.
    (model_dir / "training_config.json").write_text(json.dumps(asdict(config), indent=2, default=str) + "\n")
    train_set, holdout_set = build_datasets(config)
    limit = max_label_length(width, model_config.downsample)
    train_indices = trainable_indices(train_set, charset, limit)
    holdout_indices = trainable_indices(holdout_set, charset, limit)
    holdout_indices = np.random.default_rng(config.seed).permutation(holdout_indices)[: config.max_holdout]
    log.info("training on %d items, selecting on %d held-out items", len(train_indices), len(holdout_indices))

    model, state = _start_or_resume(config, model_config, charset, model_dir)
    sequence = _keras_sequence(train_set, train_indices, charset, model_config, config.batch_size,
                               config.seed, augment=True, max_steps=config.max_steps_per_epoch)
    sequence.epoch = state["epoch"]
    sequence.shuffle()
    for epoch in range(state["epoch"], config.epochs):
        if config.lr_schedule == "cosine":
            state["learning_rate"] = cosine_learning_rate(config.learning_rate, epoch, config.epochs)
            model.optimizer.learning_rate.assign(state["learning_rate"])
        history = model.fit(sequence, epochs=epoch + 1, initial_epoch=epoch, verbose=config.verbose)
        refs, hyps = predict_texts(reading_part(model), holdout_set, holdout_indices, charset, model_config)
        _record_epoch(state, config, model, float(history.history["loss"][-1]), error_rates(refs, hyps) if refs else None)
        if state["stale_epochs"] == 0:
            save_model_dir(model, model_config, charset, model_dir)
        model.save(model_dir / LAST_CHECKPOINT)
        (model_dir / STATE_FILE).write_text(json.dumps(state, indent=2))
        if state["stale_epochs"] >= config.patience:
            log.info("early stop: no holdout improvement for %d epochs", config.patience)
            break

    best = load_keras_model(model_dir)
    export_onnx(best, model_config, model_dir / ONNX_FILE)
    return {"best_holdout_cer": state["best_cer"], "epochs": state["epoch"], "keras": str(model_dir / KERAS_FILE)}


def _start_or_resume(config: TrainConfig, model_config: ModelConfig, charset: Charset, model_dir: Path):
    """The compiled model and the run's state: resumed from the last checkpoint, or new (from
    ``init_from``'s weights where given)."""
    import keras

    state_path, last = model_dir / STATE_FILE, model_dir / LAST_CHECKPOINT
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    if last.exists() and state:
        log.info("resuming from %s at epoch %d", last, state["epoch"])
        model = keras.models.load_model(last, compile=False)
    else:
        state = {"epoch": 0, "best_cer": None, "stale_epochs": 0, "learning_rate": config.learning_rate,
                 "history": [], "prior_epochs": 0}
        model = build_crnn(model_config, charset)
        if config.init_from is not None:
            copy_weights(load_keras_model(config.init_from), Charset.load(Path(config.init_from) / CHARSET_FILE),
                         model, charset)
            state["prior_epochs"] = epochs_trained(config.init_from)
            log.info("initialised weights from %s (%d epochs)", config.init_from, state["prior_epochs"])
    optimizer = keras.optimizers.Adam(state["learning_rate"], clipnorm=5.0)
    if model_config.shortcut_weight:
        model.compile(optimizer=optimizer, loss=[keras.losses.CTC(), keras.losses.CTC()],
                      loss_weights=[1.0, model_config.shortcut_weight])
    else:
        model.compile(optimizer=optimizer, loss=keras.losses.CTC())
    return model, state


def _record_epoch(state: dict, config: TrainConfig, model, loss: float, rates) -> None:
    """An epoch's loss and holdout CER into the run's state: a new best resets ``stale_epochs`` to
    0; the plateau schedule halves the step size every 3 stale epochs."""
    epoch = state["epoch"]
    cer = rates.cer if rates else loss
    improved = state["best_cer"] is None or cer < state["best_cer"] - 1e-4
    state["history"].append({"epoch": epoch + 1, "loss": loss, "holdout_cer": cer,
                             "holdout_exact": rates.exact if rates else None,
                             "learning_rate": state["learning_rate"]})
    log.info("epoch %d: loss %.3f, holdout CER %.4f, exact %.3f%s", epoch + 1, loss, cer,
             rates.exact if rates else float("nan"), " (best)" if improved else "")
    if improved:
        state["best_cer"], state["stale_epochs"] = cer, 0
    else:
        state["stale_epochs"] += 1
        if config.lr_schedule == "plateau" and state["stale_epochs"] % 3 == 0:
            state["learning_rate"] /= 2
            model.optimizer.learning_rate.assign(state["learning_rate"])
            log.info("learning rate -> %.2e", state["learning_rate"])
    state["epoch"] = epoch + 1
