"""The consortium's common weeding criteria and a default storage library (Karlskoga)."""

from django.db import migrations


def seed(apps, schema_editor):
    criteria = apps.get_model("collection", "WeedingCriteria")
    if not criteria.objects.filter(library__isnull=True).exists():
        criteria.objects.create(library=None, not_borrowed_years=3)
    library = apps.get_model("libraries", "Library")
    storage = apps.get_model("collection", "StorageRule")
    kga = library.objects.filter(code="KGA").first()
    if kga is not None and not storage.objects.exists():
        storage.objects.create(library=kga, media_type="", classification_prefix="")


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0001_initial"),
        ("libraries", "0002_consortium"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
