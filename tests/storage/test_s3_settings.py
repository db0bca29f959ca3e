"""The settings' S3 block (config/settings/base.py, config/env.py): with S3_BUCKET, both
storages are that private bucket, with bounded calls; without it, the disk as before."""

from __future__ import annotations

import json

from tests.test_settings import manage, production_env

S3_VARIABLES = ("S3_BUCKET", "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY",
                "S3_REGION", "S3_ADDRESSING_STYLE")
DESCRIBE = """
import json
from django.core.files.storage import storages
out = {}
for alias in ("default", "private"):
    s = storages[alias]
    out[alias] = {"class": type(s).__module__ + "." + type(s).__name__}
    if hasattr(s, "bucket_name"):
        c = s.client_config
        out[alias].update(
            bucket=s.bucket_name, location=s.location, endpoint=s.endpoint_url,
            region=s.region_name, acl=s.default_acl, signed=s.querystring_auth,
            overwrite=s.file_overwrite, key=s.access_key, addressing=c.s3,
            connect=c.connect_timeout, read=c.read_timeout, retries=c.retries)
    try:
        out[alias]["url"] = s.url("proposals/1/a.jpg")
    except ValueError as exc:
        out[alias]["url"] = str(exc)
print(json.dumps(out))
"""


def storages_with(**variables) -> dict:
    env = {k: v for k, v in production_env().items() if k not in S3_VARIABLES}
    env.update(variables)
    result = manage("shell", "-c", DESCRIBE, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_s3_bucket_both_storages_are_that_private_bucket():
    described = storages_with(
        S3_BUCKET="plaza-files", S3_ENDPOINT_URL="https://s3.example.org",
        S3_ACCESS_KEY_ID="AKIAEXAMPLE", S3_SECRET_ACCESS_KEY="secret")
    common = {"bucket": "plaza-files", "endpoint": "https://s3.example.org",
              "region": "us-east-1", "acl": None, "signed": True, "overwrite": False,
              "key": "AKIAEXAMPLE", "addressing": {"addressing_style": "path"},
              "connect": 2, "read": 10, "retries": {"max_attempts": 2, "mode": "standard"}}
    assert described["default"] == {**common, "class": "core.storage_s3.MediaS3Storage",
                                     "location": "media", "url": "/media/proposals/1/a.jpg"}
    assert described["private"] == {
        **common, "class": "core.storage_s3.PrivateS3Storage", "location": "private",
        "url": "Private files have no public URL; serve them through a view."}


def test_region_and_addressing_style_come_from_the_environment():
    described = storages_with(S3_BUCKET="b", S3_REGION="eu-west-3",
                              S3_ADDRESSING_STYLE="virtual")
    for alias in ("default", "private"):
        assert described[alias]["region"] == "eu-west-3"
        assert described[alias]["addressing"] == {"addressing_style": "virtual"}
        assert described[alias]["endpoint"] is None  # AWS itself
        assert described[alias]["key"] is None  # boto3 finds credentials itself


def test_without_s3_bucket_files_stay_on_disk():
    described = storages_with()
    assert described["default"] == {"class": "django.core.files.storage.filesystem."
                                             "FileSystemStorage",
                                    "url": "/media/proposals/1/a.jpg"}
    assert described["private"] == {
        "class": "accounts.storage.PrivateFileSystemStorage",
        "url": "Private files have no public URL; serve them through a view."}
