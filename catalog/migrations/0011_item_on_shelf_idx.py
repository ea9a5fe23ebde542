from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    """A partial index of the copies on the shelf per library for the OPAC's "on the shelf at"
    filter (issue 21). Built CONCURRENTLY (outside a transaction): a T2 catalogue has 2 million
    items and the desk keeps lending while it builds."""

    atomic = False

    dependencies = [
        ("catalog", "0010_merge_search_tokenizer_and_deleted_records"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="item",
            index=models.Index(
                condition=models.Q(status="available"),
                fields=["current_library", "record"],
                name="item_on_shelf_idx",
            ),
        ),
    ]
