"""Stakeholder CSV import and export, in one format.

Columns: name,kind,sdgs,targets,towns,offers,needs,tags,website,email,email_public,description
Lists are separated by ";" (SDGs as numbers: 4;11;17, targets: 4.7;11.a, towns,
offers and needs by name or slug, free tags). Files may be UTF-8 with or
without BOM, or Shift_JIS (cp932) as Excel writes it.

Import matches pages by name. Each row is one transaction: a bad row is
rejected with its line number and reason and the other rows are still
imported. A file that cannot be read as CSV is refused as a whole and nothing
changes. Export writes what import reads, so export -> import reports every
row unchanged. Two rules keep that true with the public export:

* an empty ``email`` cell keeps the stored address (the public export hides
  unpublished addresses; clear an address in the admin);
* ``description`` is compared as plain text (paragraphs separated by a blank
  line); the rich text is only rewritten when that text changed.
"""

import csv
import html
import io
import logging
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.html import escape, strip_tags

from openlab import csvfile, sdgs
from openlab.models import Goal, Target, Town
from stakeholders.models import NAME_ORDER, OfferNeedTerm, StakeholderKind, StakeholderPage

logger = logging.getLogger(__name__)

COLUMNS = [
    "name",
    "kind",
    "sdgs",
    "targets",
    "towns",
    "offers",
    "needs",
    "tags",
    "website",
    "email",
    "email_public",
    "description",
]
SEPARATOR = ";"
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DESCRIPTION = 20_000
TRUE_WORDS = {"true", "1", "yes", "y", "はい", "公開", "○", "◯"}
FALSE_WORDS = {"false", "0", "no", "n", "いいえ", "非公開", "", "×"}


class FileRefused(ValueError):
    """The whole file cannot be imported; the message is for users (Japanese)."""


class RowRejected(ValueError):
    """One row cannot be imported; the message is for users (Japanese)."""


@dataclass
class ImportReport:
    created: list = field(default_factory=list)  # (line, name)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    rejected: list = field(default_factory=list)  # (line, name, reason)

    @property
    def total(self):
        return len(self.created) + len(self.updated) + len(self.unchanged) + len(self.rejected)

    def summary(self):
        return (
            f"作成 {len(self.created)}件、更新 {len(self.updated)}件、"
            f"変更なし {len(self.unchanged)}件、取り込めなかった行 {len(self.rejected)}件"
        )


# --- reading -------------------------------------------------------------------------------
def decode(data):
    """Text of an uploaded file: UTF-8 (with or without BOM) or Shift_JIS (cp932)."""
    if not data or not data.strip():
        raise FileRefused("ファイルが空です。")
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused("ファイルが大きすぎます（10MBまで）。")
    if b"\x00" in data:
        raise FileRefused("CSVファイルではありません（テキストではないファイルです）。")
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused("文字コードを判別できません。UTF-8 または Shift_JIS で保存してください。")


def read_rows(text):
    """[(line number, {column: value})] of a CSV text; FileRefused if it is not our CSV."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise FileRefused("ファイルが空です。")
        header = [name.strip().lstrip("\ufeff").lower() for name in header]
        missing = [name for name in COLUMNS if name not in header]
        if missing:
            raise FileRefused(
                "1行目の見出しが正しくありません。必要な列: "
                + ",".join(COLUMNS)
                + "（足りない列: "
                + ", ".join(missing)
                + "）"
            )
        rows = []
        start = reader.line_num + 1
        for values in reader:
            line, start = start, reader.line_num + 1
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(header):
                rows.append((line, {"__error__": _column_count_error(len(values), len(header))}))
                continue
            # Our exports neutralise formula-like text (openlab.csvfile): undone here.
            values = [csvfile.restore(value) for value in values]
            rows.append((line, dict(zip(header, values, strict=True))))
    except csv.Error as error:
        raise FileRefused(f"CSVとして読めません（{reader.line_num}行目: {error}）。") from None
    return rows


def _column_count_error(got, expected):
    return f"列の数が見出しと合いません（{got}列あります。見出しは{expected}列です）。"


# --- vocabulary, loaded once per import ----------------------------------------------------
class Vocabulary:
    def __init__(self):
        self.kinds = {}
        for value, label in StakeholderKind.choices:
            self.kinds[value] = value
            self.kinds[str(label)] = value
        self.towns = {}
        for town in Town.objects.all():
            self.towns[town.name] = town
            self.towns[town.slug.lower()] = town
        self.terms = {}
        for term in OfferNeedTerm.objects.all():
            self.terms[term.name] = term
            self.terms[term.slug.lower()] = term
            if term.name_en:
                self.terms[term.name_en.lower()] = term
        self.goals = {goal.number: goal for goal in Goal.objects.all()}
        self.targets = {target.code: target for target in Target.objects.all()}


def _split(raw):
    seen, items = set(), []
    for item in str(raw).split(SEPARATOR):
        item = item.strip()
        if item and item not in seen:
            seen.add(item)
            items.append(item)
    return items


def _lookup(raw, table, label):
    found = []
    for item in _split(raw):
        value = table.get(item) or table.get(item.lower())
        if value is None:
            raise RowRejected(f"{label}「{item}」は登録されていません。")
        if value not in found:
            found.append(value)
    return found


def normalise_text(text):
    """Plain text with paragraphs separated by one blank line (the comparison form)."""
    text = str(text or "").replace("\r\n", "\n").replace("\r", "\n")
    parts = [re.sub(r"[ \t]+\n", "\n", part).strip() for part in re.split(r"\n\s*\n", text)]
    return "\n\n".join(part for part in parts if part)


def parse_bool(raw):
    value = str(raw).strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise RowRejected(f"email_public「{raw}」は true か false で書いてください。")


def clean_row(row, vocabulary):
    """The row's values, checked; RowRejected with the first problem found."""
    if "__error__" in row:
        raise RowRejected(row["__error__"])
    name = row["name"].strip()
    if not name:
        raise RowRejected("名前（name）が空です。")
    if len(name) > 255:
        raise RowRejected("名前（name）が長すぎます（255文字まで）。")
    kind_raw = row["kind"].strip()
    kind = vocabulary.kinds.get(kind_raw) or vocabulary.kinds.get(kind_raw.lower())
    if kind is None:
        raise RowRejected(
            f"種別（kind）「{kind_raw}」は使えません。使える値: "
            + ", ".join(StakeholderKind.values)
        )
    try:
        goals = sdgs.parse_goal_numbers(row["sdgs"], SEPARATOR)
        targets = sdgs.parse_target_codes(row["targets"], SEPARATOR)
    except sdgs.SDGError as error:
        raise RowRejected(str(error)) from None
    towns = _lookup(row["towns"], vocabulary.towns, "町（towns）")
    offers = _lookup(row["offers"], vocabulary.terms, "できること（offers）")
    needs = _lookup(row["needs"], vocabulary.terms, "求めること（needs）")
    tags = _split(row["tags"])
    if any(len(tag) > 100 for tag in tags):
        raise RowRejected("タグ（tags）が長すぎます（1つ100文字まで）。")
    website = row["website"].strip()
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            raise RowRejected(
                f"ウェブサイト（website）「{website}」はURLではありません。"
            ) from None
        if len(website) > 200:
            raise RowRejected("ウェブサイト（website）のURLが長すぎます（200文字まで）。")
    email = row["email"].strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RowRejected(
                f"メールアドレス（email）「{email}」の形式が正しくありません。"
            ) from None
    description = normalise_text(row["description"])
    if len(description) > MAX_DESCRIPTION:
        raise RowRejected("紹介（description）が長すぎます（20000文字まで）。")
    return {
        "name": name,
        "kind": kind,
        "goals": goals,
        "targets": targets,
        "towns": towns,
        "offers": offers,
        "needs": needs,
        "tags": tags,
        "website": website,
        "email": email,
        "email_public": parse_bool(row["email_public"]),
        "description": description,
    }


# --- comparing and writing -----------------------------------------------------------------
def description_text(page):
    """The plain text of a page's description, as exported."""
    parts = []
    for block in page.description:
        if block.block_type == "paragraph":
            source = block.value.source
        elif block.block_type == "heading":
            source = escape(block.value)
        elif block.block_type == "quote":
            source = escape(block.value.get("text", ""))
        else:
            continue
        source = re.sub(r"<br\s*/?>", "\n", source)
        source = re.sub(r"</(p|h[1-6]|li|blockquote)>", "\n\n", source)
        parts.append(html.unescape(strip_tags(source)))
    return normalise_text("\n\n".join(parts))


def description_blocks(text):
    return [
        {"type": "paragraph", "value": "<p>" + escape(part).replace("\n", "<br/>") + "</p>"}
        for part in normalise_text(text).split("\n\n")
        if part
    ]


def _state(page):
    """What a row can set, from a page with its relations prefetched."""
    return {
        "kind": page.kind,
        "goals": sorted(goal.pk for goal in page.goals.all()),
        "targets": sorted(target.pk for target in page.targets.all()),
        "towns": sorted(town.pk for town in page.towns.all()),
        "offers": sorted(term.pk for term in page.offers.all()),
        "needs": sorted(term.pk for term in page.needs.all()),
        "tags": sorted(tag.name for tag in page.tags.all()),
        "website": page.website,
        "email": page.email,
        "email_public": page.email_public,
        "description": description_text(page),
    }


def _wanted(values, page):
    return {
        "kind": values["kind"],
        "goals": sorted(values["goals"]),
        "targets": sorted(values["targets"]),
        "towns": sorted(town.pk for town in values["towns"]),
        "offers": sorted(term.pk for term in values["offers"]),
        "needs": sorted(term.pk for term in values["needs"]),
        "tags": sorted(values["tags"]),
        "website": values["website"],
        # An empty cell keeps the stored address (see the module docstring).
        "email": values["email"] or (page.email if page else ""),
        "email_public": values["email_public"],
        "description": values["description"],
    }


def _apply(page, values, wanted, vocabulary, description_changed):
    page.title = values["name"]
    page.kind = wanted["kind"]
    page.website = wanted["website"]
    page.email = wanted["email"]
    page.email_public = wanted["email_public"]
    if description_changed:
        page.description = description_blocks(values["description"])
    page.goals.set([vocabulary.goals[n] for n in values["goals"]])
    page.targets.set([vocabulary.targets[code] for code in values["targets"]])
    page.towns.set(values["towns"])
    page.offers.set(values["offers"])
    page.needs.set(values["needs"])
    page.tags.set(values["tags"])


def _existing_pages(parent):
    pages = {}
    queryset = (
        StakeholderPage.objects.child_of(parent)
        .prefetch_related("goals", "targets", "towns", "offers", "needs", "tags")
        .order_by("pk")
    )
    for page in queryset:
        pages.setdefault(page.title, page)
    return pages


def import_rows(rows, user=None, progress=None):
    """Import [(line, row)] (from read_rows); returns an ImportReport."""
    from stakeholders.services import stakeholder_index

    parent = stakeholder_index()
    if parent is None:
        raise FileRefused(
            "ステークホルダー一覧のページがありません（先にサイトを初期化してください）。"
        )
    vocabulary = Vocabulary()
    pages = _existing_pages(parent)
    slugs = set(StakeholderPage.objects.child_of(parent).values_list("slug", flat=True))
    first_line = {}
    report = ImportReport()
    for line, row in rows:
        name = (row.get("name") or "").strip()
        try:
            if name and name in first_line:
                raise RowRejected(f"同じ名前「{name}」が{first_line[name]}行目にもあります。")
            values = clean_row(row, vocabulary)
            first_line[name] = line
            outcome = _import_one(values, pages, parent, slugs, vocabulary, user)
        except RowRejected as error:
            report.rejected.append((line, name, str(error)))
        except (ValidationError, ValueError) as error:
            messages = getattr(error, "messages", None) or [str(error)]
            report.rejected.append((line, name, "保存できませんでした: " + " ".join(messages)))
        except DatabaseError:
            # The row's transaction was rolled back: nothing of it was written.
            logger.exception("import: line %s could not be saved", line)
            report.rejected.append((line, name, "保存できませんでした（データベースのエラー）。"))
        else:
            getattr(report, outcome).append((line, name))
        if progress:
            progress(1)
    return report


def _import_one(values, pages, parent, slugs, vocabulary, user):
    from stakeholders.services import unique_slug

    page = pages.get(values["name"])
    wanted = _wanted(values, page)
    if page is not None:
        state = _state(page)
        if state == wanted:
            return "unchanged"
        if page.workflow_in_progress:
            # Publishing the import would be undone when the pending edit is approved.
            raise RowRejected(
                "このステークホルダーには承認待ちの変更があります。"
                "承認か差し戻しを済ませてから取り込んでください。"
            )
    with transaction.atomic():
        if page is None:
            page = StakeholderPage(
                title=values["name"],
                slug=unique_slug(values["name"], slugs),
                joined=timezone.localdate(),
                owner=user,
            )
            _apply(page, values, wanted, vocabulary, description_changed=True)
            parent.add_child(instance=page)
            outcome = "created"
        else:
            # The live content is updated and published; a draft that was never
            # published stays a draft (a facilitator publishes it after review).
            _apply(page, values, wanted, vocabulary, state["description"] != wanted["description"])
            outcome = "updated"
            if not page.live:
                page.save()
                page.save_revision(user=user, log_action=True)
        if page.live or outcome == "created":
            page.save_revision(user=user, log_action=True).publish(user=user)
    pages[values["name"]] = (
        StakeholderPage.objects.filter(pk=page.pk)
        .prefetch_related("goals", "targets", "towns", "offers", "needs", "tags")
        .first()
    )
    return outcome


def import_file(data, user=None, progress_factory=None):
    """Decode, read and import the bytes of a CSV file. FileRefused for unreadable files."""
    rows = read_rows(decode(data))
    if progress_factory is None:
        return import_rows(rows, user=user)
    with progress_factory(len(rows)) as bar:
        return import_rows(rows, user=user, progress=bar.update)


# --- export -----------------------------------------------------------------------------------
def export_rows(private=False):
    """The stakeholders as CSV rows (dicts); public fields only unless `private`."""
    from stakeholders.services import stakeholder_index

    parent = stakeholder_index()
    queryset = StakeholderPage.objects.child_of(parent) if parent else StakeholderPage.objects
    if not private:
        queryset = queryset.live()
    queryset = queryset.prefetch_related(
        "goals", "targets", "towns", "offers", "needs", "tags"
    ).order_by(*NAME_ORDER)
    for page in queryset.iterator(chunk_size=500):
        yield {
            "name": page.title,
            "kind": page.kind,
            "sdgs": SEPARATOR.join(str(goal.pk) for goal in page.goals.all()),
            "targets": SEPARATOR.join(
                code
                for code in sdgs.TARGET_CODES
                if code in {target.pk for target in page.targets.all()}
            ),
            "towns": SEPARATOR.join(town.name for town in page.towns.all()),
            "offers": SEPARATOR.join(term.name for term in page.offers.all()),
            "needs": SEPARATOR.join(term.name for term in page.needs.all()),
            "tags": SEPARATOR.join(sorted(tag.name for tag in page.tags.all())),
            "website": page.website,
            "email": page.email if (private or page.email_public) else "",
            "email_public": "true" if page.email_public else "false",
            "description": description_text(page),
        }


def write_csv(stream, private=False):
    writer = csvfile.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for row in export_rows(private=private):
        writer.writerow(row)
        count += 1
    return count
