"""Streaming CSV (UTF-8 with BOM, so Excel opens it) and JSON writers for the data sets."""

import json

from django.utils import timezone

from openlab import csvfile, dates
from openlab.opendata import datasets

BOM = "\ufeff"
LIST_SEPARATOR = ";"


class _Line:
    """A file-like object whose write() returns the text, for csv.writer."""

    def write(self, value):
        return value


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):  # occurrences
            return LIST_SEPARATOR.join(f"{item['start']}/{item['end']}" for item in value)
        return LIST_SEPARATOR.join(str(item) for item in value)
    return value


def csv_chunks(dataset, rows):
    writer = csvfile.writer(_Line())  # text cells that a spreadsheet would run: neutralised
    yield (BOM + writer.writerow(dataset.field_names)).encode("utf-8")
    buffer = []
    for row in rows:
        buffer.append(writer.writerow([_cell(row[name]) for name in dataset.field_names]))
        if len(buffer) >= 200:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    if buffer:
        yield "".join(buffer).encode("utf-8")


def json_chunks(dataset, rows, source_url=""):
    head = {
        "dataset": dataset.slug,
        "title": str(dataset.title),
        "licence": datasets.LICENCE,
        "licence_url": datasets.LICENCE_URL,
        "attribution": datasets.ATTRIBUTION,
        "source": source_url,
        "generated_at": dates.rfc3339(timezone.now()),
        "fields": [
            {"name": f.name, "label": str(f.label), "description": str(f.description)}
            for f in dataset.fields
        ],
    }
    opening = json.dumps(head, ensure_ascii=False)[:-1] + ', "items": ['
    yield opening.encode("utf-8")
    separator = ""
    buffer = []
    for row in rows:
        buffer.append(separator + json.dumps(row, ensure_ascii=False))
        separator = ",\n"
        if len(buffer) >= 200:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    buffer.append("]}\n")
    yield "".join(buffer).encode("utf-8")
