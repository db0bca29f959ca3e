"""The two storages on S3 (settings: S3_BUCKET, config/env.py), with the URLs of the
storages on disk: none of them points into the bucket.

Every file goes through a Plaza view that checks who asks: proposal pictures through
`/media/` (proposals/media.py: a hidden proposal's pictures answer 404), role evidence
and reports through their own views. django-storages' S3Storage would answer `url()`
with a signed link into the bucket, readable by whoever holds it for an hour, past
those checks and past a file's erasure; these classes never do.

A module of its own, so that only installations on S3 import boto3.
"""

from urllib.parse import urljoin

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


class MediaS3Storage(S3Storage):
    """STORAGES["default"]: its URLs are Plaza's own `/media/…`, as on disk."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        return urljoin(settings.MEDIA_URL, filepath_to_uri(name).lstrip("/"))


class PrivateS3Storage(S3Storage):
    """STORAGES["private"]: no URL at all, like PrivateFileSystemStorage."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError("Private files have no public URL; serve them through a view.")
