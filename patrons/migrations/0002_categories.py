from django.db import migrations

from patrons.reference_data import ensure_patron_categories


def create(apps, schema_editor):
    ensure_patron_categories(apps.get_model("patrons", "PatronCategory"))


class Migration(migrations.Migration):
    dependencies = [("patrons", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
