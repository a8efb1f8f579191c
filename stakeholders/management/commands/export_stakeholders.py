from django.core.management.base import BaseCommand

from stakeholders.csv_io import write_csv


class Command(BaseCommand):
    help = "Export stakeholders as CSV in the import format (public fields unless --private)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument(
            "--private",
            action="store_true",
            help="include unpublished e-mail addresses and draft stakeholders",
        )
        parser.add_argument(
            "--encoding",
            default="utf-8-sig",
            choices=["utf-8-sig", "utf-8", "cp932"],
            help="utf-8-sig (default, opens in Excel), utf-8 or cp932 (Shift_JIS)",
        )

    def handle(self, *args, output=None, private=False, encoding="utf-8-sig", **options):
        if output:
            with open(output, "w", encoding=encoding, errors="replace", newline="") as stream:
                count = write_csv(stream, private=private)
            self.stderr.write(f"{count}件を {output} に書き出しました。")
        else:
            count = write_csv(self.stdout._out, private=private)
            self.stderr.write(f"{count}件を書き出しました。")
