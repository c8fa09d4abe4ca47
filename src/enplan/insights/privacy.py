"""Small cells are never shown: the one rule every page, CSV file and API answer of insights
goes through.

A number that stands for people (citizens, respondents, caseworkers) below `K` is replaced by
"<5", and so is every figure derived from fewer than `K` people (a share, a median, an RC
index). Aggregates are built as `Table`s whose columns say which kind of number they hold;
`Table.add` applies the rule as a row goes in, so a renderer cannot forget it. No table holds
a citizen's name, CPR number, id or free text: only labels of categories, organisations,
professional groups and, for a manager's own organisation, caseworkers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

K = 5
SUPPRESSED = "<5"
# A cell of 5 or more hidden as well, because a shown total minus the other cells would give
# away a "<5" next to it (secondary suppression; used where totals are shown beside cells).
HIDDEN = "…"

# Column kinds
LABEL = "label"  # a category, organisation, group or month
PEOPLE = "people"  # a count of people: suppressed below K
DERIVED = "derived"  # a figure computed from the people counted in column `base`
COUNT = "count"  # a count of things that are not people (meetings held, agreed meetings)


def suppress(n: int | str | None) -> int | str | None:
    """A count of people as it may be shown: itself from K up, "<5" below (0 included: a
    zero next to small neighbours narrows them down just the same)."""
    if n is None or n in (SUPPRESSED, HIDDEN):
        return n
    return n if n >= K else SUPPRESSED


def derived(value: Any, people: int | None) -> Any:
    """A figure (share, mean, median, index) computed from `people` persons."""
    if people is None or people < K:
        return SUPPRESSED
    return value


def is_safe_people_value(value: Any) -> bool:
    """What a shown people count may be: "<5", empty, or a whole number from K up."""
    return value in (SUPPRESSED, HIDDEN, None, "") or (isinstance(value, int) and value >= K)


@dataclass
class Column:
    key: str
    label: str
    kind: str = LABEL
    base: str | None = None  # for DERIVED: the PEOPLE column the figure is computed from


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""

    def add(self, **values: Any) -> None:
        """Add one row from raw values; people counts and figures derived from them are
        suppressed here (the raw values never leave this call)."""
        row = []
        for col in self.columns:
            value = values.get(col.key)
            if col.kind == PEOPLE:
                value = suppress(value)
            elif col.kind == DERIVED:
                value = derived(value, values.get(col.base) if col.base else None)
            row.append(value)
        self.rows.append(row)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [{c.key: v for c, v in zip(self.columns, row, strict=True)} for row in self.rows]

    def people_values(self) -> list[Any]:
        idx = [i for i, c in enumerate(self.columns) if c.kind == PEOPLE]
        return [row[i] for row in self.rows for i in idx]
