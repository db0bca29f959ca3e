"""Today's deployment becomes its first municipality: the default one, which answers
every URL it answered before. Named after PLAZA_SITE_NAME; rename it in the admin."""

from django.conf import settings
from django.db import migrations
from django.utils.text import slugify


def default_create(apps, schema_editor):
    Municipality = apps.get_model("municipalities", "Municipality")
    if not Municipality.objects.filter(is_default=True).exists():
        Municipality.objects.create(slug=slugify(settings.SITE_NAME)[:60] or "city",
                                    name=settings.SITE_NAME, is_default=True, languages=[])


class Migration(migrations.Migration):
    dependencies = [("municipalities", "0001_initial")]

    operations = [
        migrations.RunPython(default_create, migrations.RunPython.noop),
        # An area's parent is in the same municipality: (parent, municipality) must be
        # an area's (id, municipality), which a plain foreign key cannot say.
        migrations.RunSQL(
            """
            ALTER TABLE municipalities_area
              ADD CONSTRAINT municipalities_area_id_municipality UNIQUE (id, municipality_id);
            ALTER TABLE municipalities_area
              ADD CONSTRAINT municipalities_area_parent_same_municipality
              FOREIGN KEY (parent_id, municipality_id)
              REFERENCES municipalities_area (id, municipality_id)
              ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
            """,
            """
            ALTER TABLE municipalities_area
              DROP CONSTRAINT municipalities_area_parent_same_municipality;
            ALTER TABLE municipalities_area DROP CONSTRAINT municipalities_area_id_municipality;
            """),
    ]
