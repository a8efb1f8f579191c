"""The Wagtail image upload form of the whole site (settings.WAGTAILIMAGES_IMAGE_FORM_BASE):
project photos, progress-update pictures, stakeholder logos and event images.

Wagtail refuses files of the wrong type, too big, or decompression bombs, but any
other decoding error escaped as a 500: a truncated or corrupt photo, or a PNG whose
header promises more pixels than the file holds. Here the header is checked first
(the pixel limit, without decoding) and a file that cannot be decoded is refused
with a message, like every other bad upload.
"""

from django.core.exceptions import ValidationError
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from projects.images import UNREADABLE_IMAGE, image_header_problem


class CheckedImageField(WagtailImageField):
    def check_image_pixel_size(self, f):
        problem = image_header_problem(f, self.max_image_pixels)
        if problem:
            raise ValidationError(problem, code="invalid_image")
        try:
            super().check_image_pixel_size(f)
        except ValidationError:
            raise
        except Exception:  # a decoding error: truncated or corrupt data
            raise ValidationError(UNREADABLE_IMAGE, code="invalid_image") from None


class ImageForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if field is not None:
            self.fields["file"] = CheckedImageField(
                label=field.label, required=field.required, widget=field.widget
            )
