"""Files on S3: a real S3-compatible server (moto's, a process on loopback) for the
session, and a fixture that puts STORAGES on it for one test, as S3_BUCKET does in
production (config/settings/base.py, config/env.py)."""

from __future__ import annotations

import boto3
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.db.models import FileField
from django.test import override_settings

from accounts.storage import private_storage
from config.env import s3_storages


def s3_client(server):
    return boto3.client("s3", endpoint_url=server.endpoint(), region_name="us-east-1",
                        aws_access_key_id=server.state["access_key"],
                        aws_secret_access_key=server.state["secret_key"])


def storages_on(endpoint: str, bucket: str, access_key: str, secret_key: str) -> dict:
    return s3_storages(bucket=bucket, endpoint_url=endpoint, access_key=access_key,
                       secret_key=secret_key)


class Bucket:
    """The test's view of the bucket, through boto3 rather than Plaza's code."""

    def __init__(self, server):
        self.name = server.state["bucket"]
        self.client = s3_client(server)

    def keys(self, prefix: str = "") -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", ())}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def empty(self) -> None:
        for key in self.keys():
            self.client.delete_object(Bucket=self.name, Key=key)


def _private_fields() -> list[FileField]:
    """The model fields stored in the private storage: Django gives each its storage
    once, when the model class is made, so switching the settings does not reach them."""
    return [field for model in apps.get_models() for field in model._meta.get_fields()
            if isinstance(field, FileField)
            and getattr(field, "_storage_callable", None) is private_storage]


def switched(overrides: dict):
    """A context manager: STORAGES with `overrides`; Django's setting_changed receiver
    forgets the storages it made (storages._storages, default_storage), and the private
    fields get the new private storage."""
    class _Switch:
        def __enter__(self):
            self.settings = override_settings(STORAGES={**settings.STORAGES, **overrides})
            self.settings.enable()
            self.saved = [(field, field.storage) for field in _private_fields()]
            for field, _old in self.saved:
                field.storage = storages["private"]
            return self

        def __exit__(self, *exc):
            for field, old in self.saved:
                field.storage = old
            self.settings.disable()

    return _Switch()


@pytest.fixture
def bucket(s3_server):
    """STORAGES["default"] and ["private"] on the S3 server for this test; the bucket
    starts empty."""
    view = Bucket(s3_server)
    view.empty()
    state = s3_server.state
    with switched(storages_on(s3_server.endpoint(), state["bucket"], state["access_key"],
                              state["secret_key"])):
        yield view
