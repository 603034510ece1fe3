"""`make bench`: run every bench/*.py module's `main()` on one throw-away database and print figures.

`make bench BENCH=throughput` (or `bench/run.py throughput pages`) runs only the modules named.

Figures are printed, never asserted: speed depends on the machine.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.harness import django_env  # noqa: E402

SKIP = {"run", "harness", "__init__"}


def main() -> None:
    modules = sorted(p.stem for p in HERE.glob("*.py") if p.stem not in SKIP and not p.stem.startswith("_"))
    if sys.argv[1:]:
        unknown = set(sys.argv[1:]) - set(modules)
        if unknown:
            sys.exit(f"no bench module named {', '.join(sorted(unknown))}; there are: {', '.join(modules)}")
        modules = [name for name in modules if name in sys.argv[1:]]
    with django_env():
        for name in modules:
            module = importlib.import_module(f"bench.{name}")
            print(f"== {name}", flush=True)
            module.main()


if __name__ == "__main__":
    main()
