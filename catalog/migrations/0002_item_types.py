from django.db import migrations

from catalog.reference_data import ensure_item_types


def create(apps, schema_editor):
    ensure_item_types(apps.get_model("catalog", "ItemType"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
