"""Proposal pictures under MEDIA_URL, served by Plaza itself in every mode.

`make run` and a deployment without a front web server have nothing else that serves
`/media/`. This view streams a file from the public storage only when it is a proposal's
picture and its proposal is one the asker may open (the same rule as the proposal's
page): a hidden proposal's or a draft project's pictures answer 404 like the page does.
Anything else under `/media/` (a planner's uploaded dataset, a path that climbs out of
the folder, a file that is not stored) answers 404 too. Private files (role evidence,
reports) live in another storage, outside MEDIA_ROOT (on S3: under another prefix of the
bucket, core/storage_s3.py), and only their own views stream them.

A front server (nginx) may serve `/media/proposals/` itself instead; docs/operations.md
says how, and what that gives up.
"""

from __future__ import annotations

import posixpath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseNotModified
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

from proposals import selectors
from proposals.models import ProposalImage

# The pictures are re-encoded to one of these on upload (proposals/images.py).
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
# A picture's name never changes its bytes (each upload gets a new name), but its
# proposal may be hidden later: browsers keep it a day, shared caches not at all.
CACHE_CONTROL = "private, max-age=86400"


def _name(path: str) -> str | None:
    """The storage name the URL path asks for, or None when it is not a plain relative
    path of the proposals' folder (no `..`, no absolute path, no backslash, no NUL)."""
    if not path or "\\" in path or "\x00" in path or path.startswith("/"):
        return None
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts) or parts[0] != "proposals":
        return None
    if posixpath.splitext(path)[1].lstrip(".").lower() not in CONTENT_TYPES:
        return None
    return path


@require_safe
def media_file(request, path: str):
    name = _name(path)
    if name is None:
        raise Http404
    readable = selectors.proposals_readable(user=request.user).values("pk")
    if not ProposalImage.objects.filter(image=name, proposal__in=readable).exists():
        raise Http404
    try:
        # Through the storage, so FileSystemStorage's safe_join keeps every name inside
        # MEDIA_ROOT, and an object store behind STORAGES["default"] works too.
        handle = default_storage.open(name, "rb")
    except (SuspiciousFileOperation, FileNotFoundError, IsADirectoryError) as exc:
        raise Http404 from exc
    try:
        modified = default_storage.get_modified_time(name).timestamp()
    except (NotImplementedError, OSError):
        modified = None
    if modified is not None and not was_modified_since(
            request.META.get("HTTP_IF_MODIFIED_SINCE"), modified):
        handle.close()
        response = HttpResponseNotModified()
    else:
        ext = posixpath.splitext(name)[1].lstrip(".").lower()
        response = FileResponse(handle, content_type=CONTENT_TYPES[ext])
        response["Content-Length"] = str(handle.size)
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response
