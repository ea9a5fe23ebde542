"""Swedish formats: Django's, plus the named formats the pages use.

Templates never spell a date format out; they name one of these (``|date:"DAY_FORMAT"``), so a
page shows the same date the same way everywhere and follows the language the user chose.
"""

from django.conf.locale.sv.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"  # 5 december 2026
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-12-05 (Swedish standard SS-ISO 8601)
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y H:i"
# The project's own names (Django's date filter looks any name up in these modules).
DAY_FORMAT = "D j b"  # lör 5 dec
DAY_TIME_FORMAT = "D j b H:i"  # lör 5 dec 14:30
LONG_DAY_FORMAT = "l j F Y"  # lördag 5 december 2026
MONEY_FORMAT = "%(amount)s\u00a0kr"  # 1 234,50 kr
