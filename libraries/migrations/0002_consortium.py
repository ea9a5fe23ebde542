"""The consortium's five member libraries and the shared book bus (facts from DOMAIN.md)."""

from django.db import migrations

from libraries.consortium import ensure_libraries


def create(apps, schema_editor):
    ensure_libraries(apps.get_model("libraries", "Library"), apps.get_model("libraries", "ConsortiumSettings"))


class Migration(migrations.Migration):
    dependencies = [("libraries", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
