"""CSV that is safe to open in a spreadsheet: the one writer every CSV export in enplan uses.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
by Excel and LibreOffice ("CSV injection"): a name or free text typed by anyone could then run
a formula on the data protection officer's machine. Such a cell gets a leading apostrophe,
which spreadsheets show as text and do not evaluate. Numbers are left as they are.
A test fails if any other module writes CSV with `csv.writer` directly.
"""

import csv
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """The cell as a spreadsheet will read it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


class SafeWriter:
    """`csv.writer` whose rows are neutralised cell by cell."""

    def __init__(self, stream, **fmtparams) -> None:
        self._writer = csv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[object]):
        return self._writer.writerow([neutralise(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Stream neutralised CSV lines, one per row, without holding them in memory."""
    writer = SafeWriter(_Echo())
    for row in rows:
        yield writer.writerow(row)
