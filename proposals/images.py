"""Proposal pictures: checked by their content, then re-encoded without metadata.

Re-encoding is what strips EXIF, and with it the GPS position where a phone took
the photo; it also drops anything hidden after the image data. The pixel count is
read from the header and checked before any pixel is decoded, so a tiny file that
claims to be 100,000 × 100,000 pixels (an image bomb) costs nothing.
"""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048


def image_clean(upload) -> tuple[ContentFile, str, tuple[int, int]]:
    """Return the re-encoded image, its extension and size, or raise a ValidationError."""
    limit = settings.PROPOSAL_IMAGE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(_("%(name)s: %(size)s is over the limit of %(limit)s.") % {
            "name": upload.name, "size": filesizeformat(upload.size),
            "limit": filesizeformat(limit)}, code="image_too_large")
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format not in FORMATS:
                raise ValidationError(_("%(name)s: send a JPEG, PNG or WebP picture.")
                                      % {"name": upload.name},
                                      code="image_type")
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("%(name)s: %(width)s × %(height)s pixels is too many; "
                                        "send a smaller picture.") % {
                    "name": upload.name, "width": image.width, "height": image.height},
                                      code="image_pixels")
            image.load()
            return _reencode(image)
    except Image.DecompressionBombError as exc:  # Pillow's own, higher, pixel limit
        raise ValidationError(_("%(name)s: too many pixels; send a smaller picture.")
                              % {"name": upload.name},
                              code="image_pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(_("%(name)s: this is not a picture we can read.")
                              % {"name": upload.name},
                              code="image_type") from exc


def _reencode(image: Image.Image) -> tuple[ContentFile, str, tuple[int, int]]:
    image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF data gave
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = BytesIO()
    if image.mode in ("RGBA", "LA", "P"):
        image.convert("RGBA").save(out, "PNG", optimize=True)
        ext = "png"
    else:
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
        ext = "jpg"
    return ContentFile(out.getvalue()), ext, image.size
