"""Checks on files that users upload as evidence for a role claim."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Magic numbers of the file types a planner can open safely in a browser.
EVIDENCE_SIGNATURES = {
    b"%PDF-": "pdf",
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpg",
}


def evidence_file_kind(upload) -> str:
    """The kind of an evidence upload (pdf, png, jpg), judged by its bytes, not its name."""
    limit = settings.ROLE_EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="file_too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, kind in EVIDENCE_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    raise ValidationError(
        _("Evidence must be a PDF, PNG or JPEG file."), code="file_type"
    )
