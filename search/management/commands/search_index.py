"""python manage.py search_index rebuild|repair|status [--backend elasticsearch|database|all]

rebuild  writes every searchable page into a new versioned index and swaps the
         alias (Elasticsearch), or rewrites the SearchEntry table (database);
         shows a progress bar and the documents/s.
repair   finds missing, stale and extra documents, fixes them (unless
         --dry-run) and reports how many of each.
status   which backend answers searches, and how many documents each holds.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search import services
from search.backend import DatabaseSearchBackend, get_search_backend, get_write_backends


class Command(BaseCommand):
    help = "Rebuild or repair the search indexes (Elasticsearch and the database fallback)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "repair", "status"])
        parser.add_argument(
            "--backend",
            choices=["all", "elasticsearch", "database"],
            default="all",
            help="which index to work on (default: every configured one)",
        )
        parser.add_argument("--dry-run", action="store_true", help="repair: only report")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def _backends(self, which):
        backends = get_write_backends()
        if which != "all":
            backends = [backend for backend in backends if backend.name == which]
            if not backends:
                raise CommandError(
                    f"{which} is not configured (set ELASTICSEARCH_URL to use Elasticsearch)."
                )
        return backends

    def handle(self, action, backend, dry_run, no_progress, **options):
        backends = self._backends(backend)
        if action == "rebuild":
            for item in backends:
                self.rebuild(item, no_progress)
        elif action == "repair":
            for item in backends:
                self.repair(item, dry_run)
        else:
            self.status(backends)

    def _check(self, backend):
        if not backend.is_available():
            raise CommandError(f"{backend.name} does not answer; nothing was changed.")

    def rebuild(self, backend, no_progress):
        self._check(backend)
        from search.documents import content_models

        total = sum(model.objects.live().public().count() for model in content_models().values())
        bar = tqdm(
            total=total,
            desc=f"{backend.name}",
            unit="doc",
            disable=no_progress,
            file=self.stderr._out,
        )
        started = time.monotonic()
        try:
            count = services.rebuild(backend, progress=bar.update)
        finally:
            bar.close()
        elapsed = max(time.monotonic() - started, 1e-6)
        where = f" (alias {backend.alias})" if hasattr(backend, "alias") else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{backend.name}: rebuilt {count} documents in {elapsed:.1f} s "
                f"({count / elapsed:.0f} documents/s){where}"
            )
        )

    def repair(self, backend, dry_run):
        self._check(backend)
        report = services.repair(backend, dry_run=dry_run)
        verb = "would fix" if dry_run else "fixed"
        self.stdout.write(
            f"{backend.name}: checked {report.checked} pages; missing {len(report.missing)}, "
            f"stale {len(report.stale)}, extra {len(report.extra)}; {verb} {report.fixed}"
        )

    def status(self, backends):
        answering = get_search_backend()
        ok = answering.is_available()
        name = answering.name if ok else DatabaseSearchBackend.name + " (fallback)"
        self.stdout.write(f"searches are answered by: {name}")
        for backend in backends:
            if not backend.is_available():
                self.stdout.write(f"{backend.name}: does not answer")
                continue
            self.stdout.write(f"{backend.name}: {len(backend.stored_hashes())} documents")
