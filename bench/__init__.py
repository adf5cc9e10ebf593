"""Benchmarks, run on demand (`make bench` or `python -m bench NAME`), never part of `make test`.

Each module `bench/NAME.py` has a `main() -> str` that measures, side by side with the peer libraries its
issue names, in one run, and returns a Markdown section; `bench.report.write_section` puts it into
docs/performance.md between markers, so each benchmark updates only its own part.
"""
