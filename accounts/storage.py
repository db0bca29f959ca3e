"""Storage for personal files (role evidence): outside MEDIA_ROOT, with no public URL.

With S3_BUCKET set, the private storage is core.storage_s3.PrivateS3Storage instead, with
no URL either (config/env.py)."""

from django.core.files.storage import FileSystemStorage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """Files that only a view checking access may stream; they have no URL of their own."""

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view.")


def private_storage():
    """The `private` storage from settings.STORAGES (a callable, so migrations stay stable)."""
    return storages["private"]
