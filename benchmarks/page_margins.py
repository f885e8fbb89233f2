"""What a whole cabuyao phone page reads above and below its handwriting: the printed letterhead
(logos, the university's name, the instructions and paragraph) and the footer (a motto, an ISO
badge, a seal), where logos and badges turn into junk lines if segmentation takes them for text.

    .venv/bin/python benchmarks/page_margins.py [--out reports/page_margins.json]

Prints each page's lines above the handwritten region's top and below its bottom (the region
given by ``refs.jsonl``), with their confidence, kind and whether they are flagged. cabuyao is an
evaluation set: read the output, do not tune on it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htr_core.data.cabuyao import load_cabuyao  # noqa: E402
from htr_core.pipeline import Pipeline  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "cabuyao"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    pipeline = Pipeline.from_model_dir()
    report = {}
    for page in load_cabuyao(args.data):
        grey, top, bottom = page.as_read(args.data)
        result = pipeline.read(grey)
        margins = {"header": [line for line in result.lines if line.box.y1 <= top],
                   "footer": [line for line in result.lines if line.box.y0 >= bottom]}
        report[page.page] = {name: [{"text": line.text, "confidence": round(line.confidence, 2),
                                     "flagged": line.flagged, "kind": line.kind} for line in lines]
                             for name, lines in margins.items()}
        print(f"## {page.page} ({len(result.lines)} lines)")
        for name, lines in margins.items():
            for line in lines:
                print(f"- {name} {line.kind} {line.confidence:.2f}{' flagged' if line.flagged else ''}: {line.text}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
