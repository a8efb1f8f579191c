"""Strip metadata from the images stored before every upload was cleaned on save.

    manage.py strip_image_metadata [--dry-run]

Each Wagtail image whose stored original still carries EXIF (GPS, camera), XMP, IPTC,
ICC or a comment is stored again through the same cleaning as a new upload
(projects.images), its old file removed and its renditions deleted (Wagtail makes them
again, from the clean original, when a page asks). Images already clean are left alone,
so running it twice changes nothing.
"""

import os

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from wagtail.images import get_image_model

from projects.images import has_metadata


class Command(BaseCommand):
    help = "Stored Wagtail images: remove EXIF, GPS and other metadata (originals and renditions)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list, change nothing")

    def handle(self, *args, dry_run=False, **options):
        cleaned = 0
        for image in get_image_model().objects.order_by("pk").iterator():
            try:
                with image.open_file() as file:
                    data = file.read()
            except OSError as error:
                self.stderr.write(f"#{image.pk} {image.title}: file missing ({error})")
                continue
            if not has_metadata(data):
                continue
            cleaned += 1
            self.stdout.write(f"#{image.pk} {image.title}: {image.file.name}")
            if dry_run:
                continue
            old_name, storage = image.file.name, image.file.storage
            # A new, uncommitted file: the pre_save cleaning stores it without metadata.
            image.file = ContentFile(data, name=os.path.basename(old_name))
            image.save()
            if image.file.name != old_name:
                storage.delete(old_name)
            for rendition in image.renditions.all():
                rendition.file.delete(save=False)  # now, not on commit as Wagtail does
                rendition.delete()
        verb = "would clean" if dry_run else "cleaned"
        self.stdout.write(f"{verb} {cleaned} image(s)")
