"""Run benchmarks: `python -m bench` runs every bench/*.py with a main(); `python -m bench NAME …` runs those."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")


def main(argv: list[str]) -> None:
    here = Path(__file__).resolve().parent
    names = argv or sorted(
        p.stem
        for p in here.glob("*.py")
        if p.stem not in {"__init__", "__main__", "report", "common"}
    )
    from bench.report import write_section

    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== bench {name}", flush=True)
        section = module.main()
        write_section(name, section)
        print(section, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
