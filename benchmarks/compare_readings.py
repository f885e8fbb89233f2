"""Per-item readings of two benchmarks/run_all.py reports compared: how many items of each
system and set read differently, and the CER each gives (a refactor should change none).

    .venv/bin/python benchmarks/compare_readings.py before/benchmarks.json after/benchmarks.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def readings(report: dict) -> dict[tuple[str, str], dict]:
    return {(system["system"], name): result for system in report["systems"] for name, result in system["sets"].items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--show", type=int, default=3, help="differing readings shown per set")
    args = parser.parse_args()
    before, after = (readings(json.loads(path.read_text())) for path in (args.before, args.after))
    print("| system | set | items | differing | CER before | CER after | median ms before | after |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    examples = []
    for key in sorted(before.keys() & after.keys()):
        old, new = before[key], after[key]
        pairs = list(zip(old.get("readings", []), new.get("readings", [])))
        differing = [(a, b) for a, b in pairs if a != b]
        print(f"| {key[0]} | {key[1]} | {len(pairs)} | {len(differing)} | {old['cer']:.4f} | {new['cer']:.4f} "
              f"| {old['median_ms']:.0f} | {new['median_ms']:.0f} |")
        examples += [(key, a, b) for a, b in differing[: args.show]]
    for (system, name), a, b in examples:
        print(f"\n{system} / {name}:\n  before: {a!r}\n  after:  {b!r}")


if __name__ == "__main__":
    main()
