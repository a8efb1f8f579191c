"""The one CSV writer of the site: no CSV the site writes can hold a live formula.

A spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage return as a
formula (CSV injection: `=HYPERLINK(...)` in an organisation's name, next to a private
e-mail column). The rule:

* a text cell starting with one of those characters, or with an apostrophe, gets an
  apostrophe in front (spreadsheets show it as the text after the apostrophe);
* numbers (int, float, Decimal) are written as they are: a negative longitude stays a
  number, so numeric columns of the open data still read as numbers.

``restore`` undoes it exactly for a reader of our own files (the stakeholder import
reads its exports back): a leading apostrophe is dropped when what follows starts with
one of those characters (values that started with an apostrophe got a second one on the
way out, so they come back unchanged); any other cell, such as a hand-written
"'><b>", is read as it is.

Use ``writer`` / ``DictWriter`` here instead of the csv module's: the permission crawl
does not check this; tests/openlab/test_csvfile.py checks every CSV the site serves.
"""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise(value):
    """The cell as written: text that a spreadsheet would run is made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(value):
    """A cell of a CSV we wrote, as it was before ``neutralise``."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class _SafeRows:
    """Wraps a csv writer: every cell goes through ``neutralise``."""

    def __init__(self, writer):
        self._writer = writer
        self.dialect = writer.dialect

    def writerow(self, row):
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(stream, **options):
    return _SafeRows(csv.writer(stream, **options))


class DictWriter(csv.DictWriter):
    def __init__(self, stream, fieldnames, **options):
        super().__init__(stream, fieldnames, **options)
        self.writer = _SafeRows(self.writer)
