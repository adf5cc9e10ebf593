"""A tqdm progress bar for the import commands (stage names shown as the bar's description)."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from tqdm import tqdm

STAGES = {
    "read": "läser",
    "crs": "koordinatsystem",
    "repair": "kontrollerar ytor",
    "store": "sparar",
    "done": "klar",
}


class ProgressBar:
    """Call the instance with (stage, done, total); the bar follows the latest stage."""

    def __init__(self, stream: Any, *, disable: bool = False) -> None:
        self.bar = tqdm(total=1, file=stream, disable=disable, unit="", leave=True)

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.bar.set_description(STAGES.get(stage, stage))
        if self.bar.total != total:
            self.bar.reset(total=max(total, 1))
        self.bar.n = min(done, max(total, 1))
        self.bar.refresh()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.bar.close()
