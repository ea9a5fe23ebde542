from django.db import migrations


def create_common_rules(apps, schema_editor):
    from circulation.defaults import ensure_common_rules

    ensure_common_rules(apps.get_model("circulation", "LoanRule"), apps.get_model("patrons", "PatronCategory"))


class Migration(migrations.Migration):
    dependencies = [
        ("circulation", "0001_initial"),
        ("patrons", "0002_categories"),
    ]

    operations = [migrations.RunPython(create_common_rules, migrations.RunPython.noop)]
