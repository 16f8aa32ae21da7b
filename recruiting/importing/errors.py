"""Every error of an import run, and the limits of a run (settings)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.conf import settings


def max_bytes() -> int:
    return settings.RPO_IMPORT_MAX_BYTES


def max_errors() -> int:
    return settings.RPO_IMPORT_MAX_ERRORS


@dataclass
class Errors:
    """Every error of a run: all are counted, the first `limit` (by row) are kept with reasons."""

    limit: int = field(default_factory=max_errors)
    items: list[tuple[int | None, str | None, str]] = field(default_factory=list)
    count: int = 0

    def __bool__(self) -> bool:
        return self.count > 0

    def add(self, row: int | None, column: str | None, reason: str) -> None:
        self.count += 1
        if len(self.items) < self.limit * 2:
            self.items.append((row, column, reason))

    def add_mask(self, mask: pd.Series, column: str | None, reason: Callable[[Any], str] | str):
        """One error per row where `mask` holds; `reason` may take the row's label."""
        rows = mask.index[mask.to_numpy(dtype=bool, na_value=False)]
        self.count += len(rows)
        room = max(self.limit * 2 - len(self.items), 0)
        for row in rows[:room]:
            self.items.append((int(row), column, reason(row) if callable(reason) else reason))

    def sorted(self) -> list[tuple[int | None, str | None, str]]:
        return sorted(self.items, key=lambda e: (e[0] is not None, e[0] or 0))[: self.limit]
