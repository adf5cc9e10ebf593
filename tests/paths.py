"""Where the tests find their real data: ``tests/data/`` (each set with its source and licence)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = ROOT / "tests" / "data"
