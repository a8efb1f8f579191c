from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from stakeholders.csv_io import FileRefused, import_file


class Command(BaseCommand):
    help = (
        "Import stakeholders from a CSV file (name,kind,sdgs,targets,towns,offers,needs,tags,"
        "website,email,email_public,description); pages are matched by name."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file: UTF-8 (with or without BOM) or Shift_JIS")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, file, no_progress=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"ファイルが見つかりません: {file}")

        def progress(total):
            return tqdm(
                total=total,
                unit="行",
                desc="取り込み中",
                disable=no_progress,
                file=self.stderr._out,
            )

        try:
            report = import_file(path.read_bytes(), progress_factory=progress)
        except FileRefused as error:
            raise CommandError(str(error)) from None
        for line, name, reason in report.rejected:
            self.stdout.write(f"{line}行目（{name or '名前なし'}）: {reason}")
        style = self.style.SUCCESS if not report.rejected else self.style.WARNING
        self.stdout.write(style(report.summary()))
