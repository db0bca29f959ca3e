"""Receivers: a deleted layer takes its partition with it (gisdata/imports/partitions.py),
and a saved or deleted dataset or layer drops the cached data credits (gisdata/credits.py)."""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from gisdata.credits import credits_forget
from gisdata.imports import partitions
from gisdata.models import Dataset, Layer


@receiver(pre_delete, sender=Layer, dispatch_uid="gisdata.layer_partition_drop")
def layer_partition_drop(sender, instance: Layer, **kwargs) -> None:
    # Runs inside the deletion's transaction: dropping the table is undone with it.
    # Without this the layer's rows would be deleted one by one and an empty table left.
    partitions.drop(instance.pk)


@receiver(post_save, sender=Dataset, dispatch_uid="gisdata.dataset_saved_credits")
@receiver(post_delete, sender=Dataset, dispatch_uid="gisdata.dataset_deleted_credits")
@receiver(post_save, sender=Layer, dispatch_uid="gisdata.layer_saved_credits")
@receiver(post_delete, sender=Layer, dispatch_uid="gisdata.layer_deleted_credits")
def credits_changed(sender, **kwargs) -> None:
    # An attribution or a source edited (in the admin), a layer published through a
    # form's save, or deleted: any of them may change the footer's credits.
    credits_forget()
