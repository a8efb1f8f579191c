import time

from django.core.management.base import BaseCommand

from openlab.demo_loader import DemoLoader


class Command(BaseCommand):
    help = "Load the deterministic demo data (idempotent: a second run changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=20261122)
        parser.add_argument(
            "--stakeholders", type=int, default=264, help="number of stakeholders (≥ 264)"
        )

    def handle(self, *args, seed, stakeholders, **options):
        started = time.monotonic()
        loader = DemoLoader(stdout=self.stdout, seed=seed, stakeholder_count=stakeholders)
        created = loader.run()
        summary = ", ".join(f"{name} +{count}" for name, count in created.items())
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"demo data ready ({summary}) in {elapsed:.1f}s"))
