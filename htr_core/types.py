"""Frozen dataclasses passed between stages; each converts to and from plain dicts (JSON)."""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Sequence

import numpy as np

from htr_core.choices import LineKind


def check_keys(cls, data: dict, what: str) -> dict:
    """Typed configs refuse unknown keys: a misspelt option is an error, not a silent default."""
    unknown = set(data) - {f.name for f in fields(cls)}
    if unknown:
        raise ValueError(f"unknown {what} keys: {sorted(unknown)}")
    return data


@dataclass(frozen=True)
class CharSpan:
    """One decoded character: its text, confidence and the output time steps it covers."""

    char: str
    confidence: float
    start: int
    end: int  # exclusive


@dataclass(frozen=True)
class Decoded:
    text: str
    confidence: float  # probability-like score of the whole reading, in [0, 1]
    char_spans: tuple[CharSpan, ...] = field(default_factory=tuple)
    # What the network read before a lexicon decoder applied its dictionary (None: no lexicon).
    free_text: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Decoded":
        spans = tuple(CharSpan(**span) for span in data.get("char_spans", ()))
        return cls(text=data["text"], confidence=float(data["confidence"]), char_spans=spans,
                   free_text=data.get("free_text"))


@dataclass(frozen=True)
class CropGeometry:
    """Where a model's input columns came from in its crop: crop x = left + model x / scale."""

    left: int
    scale: float

    def crop_x(self, model_x: float) -> float:
        return self.left + model_x / self.scale


@dataclass(frozen=True, eq=False)
class Reading:
    """What a recognizer made of one crop: (time, classes) log-probabilities, and where in the
    crop each output step's columns came from (``downsample`` input columns a step)."""

    log_probs: np.ndarray
    geometry: CropGeometry
    downsample: int

    def step_to_crop_x(self, step: float) -> float:
        """Crop x coordinate of the left edge of output time step ``step``."""
        return self.geometry.crop_x(step * self.downsample)


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in page pixel coordinates; ``x1``/``y1`` are exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    def __post_init__(self) -> None:
        for name in ("x0", "y0", "x1", "y1"):  # numpy integers in, plain ints out (JSON-safe)
            object.__setattr__(self, name, int(getattr(self, name)))
        if self.x1 < self.x0 or self.y1 < self.y0:
            raise ValueError(f"box corners out of order: {self}")

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def area(self) -> int:
        return self.width * self.height

    def intersection_area(self, other: "Box") -> int:
        return (max(0, min(self.x1, other.x1) - max(self.x0, other.x0))
                * max(0, min(self.y1, other.y1) - max(self.y0, other.y0)))

    def iou(self, other: "Box") -> float:
        inter = self.intersection_area(other)
        union = self.area + other.area - inter
        return inter / union if union else 0.0

    def union(self, other: "Box") -> "Box":
        return Box(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))

    def to_list(self) -> list[int]:
        return [self.x0, self.y0, self.x1, self.y1]

    @classmethod
    def from_list(cls, values) -> "Box":
        return cls(*(int(v) for v in values))


@dataclass(frozen=True)
class WordResult:
    box: Box
    text: str
    confidence: float

    def to_dict(self) -> dict:
        return {"box": self.box.to_list(), "text": self.text, "confidence": float(self.confidence)}

    @classmethod
    def from_dict(cls, data: dict) -> "WordResult":
        return cls(Box.from_list(data["box"]), data["text"], float(data["confidence"]))


@dataclass(frozen=True)
class LineResult:
    """One line of a result: ``text`` is what it says (the lexicon decoder's or word check's
    reading, spell-checked, or a person's edit); ``raw_text`` what the network read before any
    lexicon. The same two names mean the same on ``PageResult`` and ``Document``."""

    box: Box
    raw_text: str
    confidence: float
    text: str
    words: tuple[WordResult, ...] = ()
    polygon: tuple[tuple[int, int], ...] = ()  # outline of the line's ink (x, y), when segmented
    baseline: tuple[tuple[int, int], ...] = ()  # where its letters sit (x, y), left to right, when segmented
    flagged: bool = False  # read at very low confidence: likely not writing (a logo, a stain) or unreadable
    kind: LineKind = "handwritten"  # or "printed": a page's header, a form's labels

    def to_dict(self) -> dict:
        return {"box": self.box.to_list(), "text": self.text, "raw_text": self.raw_text,
                "confidence": float(self.confidence), "words": [w.to_dict() for w in self.words],
                "polygon": [[int(x), int(y)] for x, y in self.polygon],
                "baseline": [[int(x), int(y)] for x, y in self.baseline], "flagged": self.flagged,
                "kind": self.kind}

    @classmethod
    def from_dict(cls, data: dict) -> "LineResult":
        if "corrected" in data:  # written before 2026-12: "text" was the raw reading
            data = {**data, "raw_text": data["text"], "text": data["corrected"]}
        return cls(Box.from_list(data["box"]), data["raw_text"], float(data["confidence"]), data["text"],
                   tuple(WordResult.from_dict(w) for w in data.get("words", ())),
                   tuple((int(x), int(y)) for x, y in data.get("polygon", ())),
                   tuple((int(x), int(y)) for x, y in data.get("baseline", ())), bool(data.get("flagged", False)),
                   "printed" if data.get("kind") == "printed" else "handwritten")


@dataclass(frozen=True)
class PageResult:
    width: int
    height: int
    lines: tuple[LineResult, ...]
    level: str = "page"  # how it was read: "word", "line" or "page"
    model: str = ""

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def raw_text(self) -> str:
        return "\n".join(line.raw_text for line in self.lines)

    @property
    def confidence(self) -> float:
        """The weakest line's confidence: a page is only as trustworthy as its worst line."""
        return min((line.confidence for line in self.lines), default=0.0)

    def with_corrections(self, texts: Sequence[str]) -> "PageResult":
        """This page with each line's text replaced by a person's (one text a line)."""
        if len(texts) != len(self.lines):
            raise ValueError(f"{len(texts)} corrections for {len(self.lines)} lines")
        return replace(self, lines=tuple(line if text == line.text else replace(line, text=text)
                                         for line, text in zip(self.lines, texts)))

    def to_dict(self) -> dict:
        return {"width": self.width, "height": self.height, "level": self.level, "model": self.model,
                "text": self.text, "raw_text": self.raw_text,
                "confidence": round(self.confidence, 4),
                "lines": [line.to_dict() for line in self.lines]}

    @classmethod
    def from_dict(cls, data: dict) -> "PageResult":
        return cls(int(data["width"]), int(data["height"]),
                   tuple(LineResult.from_dict(line) for line in data["lines"]),
                   data.get("level", "page"), data.get("model", ""))


Points = tuple[tuple[int, int], ...]


@dataclass(frozen=True, eq=False)
class PageTransform:
    """The map from the frame lines are found in (the flattened, deskewed page) back to the page
    given: a 3x3 projective matrix (an affine one for a turn, a full one for a photographed
    sheet; None: the same frame); results are clipped to the page."""

    width: int
    height: int
    matrix: np.ndarray | None = None

    def _mapped(self, points: np.ndarray) -> np.ndarray:
        homogeneous = np.c_[points, np.ones(len(points))] @ np.asarray(self.matrix, dtype=np.float64).T
        return homogeneous[:, :2] / homogeneous[:, 2:]

    def box(self, box: Box) -> Box:
        """The bounds of the box's corners on the page."""
        if self.matrix is None:
            return box
        mapped = self._mapped(np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x0, box.y1], [box.x1, box.y1]],
                                       dtype=np.float64))
        x0, y0 = np.floor(mapped.min(axis=0)).astype(int)
        x1, y1 = np.ceil(mapped.max(axis=0)).astype(int)
        return Box(max(0, x0), max(0, y0), min(self.width, max(x1, x0 + 1)), min(self.height, max(y1, y0 + 1)))

    def points(self, points: Points) -> Points:
        """The points on the page, rounded and clipped to it."""
        array = np.asarray(points, dtype=np.int64).reshape(-1, 2)
        if self.matrix is not None:
            array = np.rint(self._mapped(array.astype(np.float64)))
        clipped = np.clip(array, 0, (self.width, self.height)).astype(int)
        return tuple(map(tuple, clipped.tolist()))

    def line(self, line: "LineSegment") -> "LineSegment":
        """A line's boxes, outline and baseline on the page."""
        return LineSegment(self.box(line.box), tuple(self.box(w) for w in line.words), self.points(line.polygon),
                           self.points(line.baseline))


@dataclass(frozen=True)
class LineSegment:
    """A line as found, in the frame it was found in: the (flattened) deskewed page, where its
    crop is cut (``Segmentation.page_lines`` holds it on the page given)."""

    box: Box
    words: tuple[Box, ...]
    polygon: Points = ()  # the outline of the line's ink (x, y)
    baseline: Points = ()  # where its letters sit (x, y), left to right


@dataclass(frozen=True)
class Segmentation:
    """A page's lines in reading order, each with its crop (other lines' ink removed; the line's
    columns, and its rows with a margin above and below), in the (flattened) deskewed page;
    ``to_page`` maps them back."""

    width: int
    height: int
    skew_degrees: float
    lines: tuple[LineSegment, ...]
    line_images: tuple[np.ndarray, ...]
    to_page: PageTransform
    crop_tops: tuple[int, ...]  # each crop's rows above its line's box

    @functools.cached_property
    def page_lines(self) -> tuple[LineSegment, ...]:
        """The lines in the coordinates of the page given."""
        return tuple(self.to_page.line(line) for line in self.lines)

    @property
    def box_images(self) -> tuple[np.ndarray, ...]:
        """Each line's crop cut to its box's rows, without the margin read with it."""
        return tuple(image[top : top + line.box.height]
                     for image, top, line in zip(self.line_images, self.crop_tops, self.lines))

    def word_images(self, index: int) -> list[np.ndarray]:
        line, image = self.lines[index], self.line_images[index]
        return [image[:, box.x0 - line.box.x0 : box.x1 - line.box.x0] for box in line.words]
