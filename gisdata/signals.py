"""A deleted layer takes its partition with it (gisdata/imports/partitions.py)."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from gisdata.imports import partitions
from gisdata.models import Layer


@receiver(pre_delete, sender=Layer, dispatch_uid="gisdata.layer_partition_drop")
def layer_partition_drop(sender, instance: Layer, **kwargs) -> None:
    # Runs inside the deletion's transaction: dropping the table is undone with it.
    # Without this the layer's rows would be deleted one by one and an empty table left.
    partitions.drop(instance.pk)
