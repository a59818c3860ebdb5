"""Run the benchmarks: `python -m bench [NAME ...]`. Each bench/bench_<name>.py has
`run() -> {"rows": [ {...}, ... ], "ratios": {...}}`; the runner prints a table per benchmark and
writes bench/results/<name>.json."""

from __future__ import annotations

import importlib
import json
import pkgutil
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import bench

RESULTS = Path(__file__).parent / "results"


def _table(rows: list[dict]) -> str:
    if not rows:
        return "(no rows)"
    columns = list(dict.fromkeys(key for row in rows for key in row))
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns), "  ".join("-" * widths[c] for c in columns)]
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    names = sorted(m.name[len("bench_") :] for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    chosen = argv or names
    unknown = set(chosen) - set(names)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(names)}", file=sys.stderr)
        return 2
    RESULTS.mkdir(exist_ok=True)
    for name in chosen:
        module = importlib.import_module(f"bench.bench_{name}")
        started = time.perf_counter()
        result = module.run()
        result = {
            "name": name,
            "measured_at": datetime.now(UTC).isoformat(),
            "duration_s": round(time.perf_counter() - started, 2),
            "machine": {"python": platform.python_version(), "cpu_count": __import__("os").cpu_count()},
            **result,
        }
        print(f"\n== {name} ({result['duration_s']}s) ==\n{_table(result.get('rows', []))}")
        for key, value in result.get("ratios", {}).items():
            print(f"  {key}: {value}")
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
