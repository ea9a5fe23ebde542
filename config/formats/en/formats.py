"""English formats for the English UI: day-month-year with 24-hour times, as read in Sweden.

The same names as config/formats/sv/formats.py; only the spelling differs.
"""

from django.conf.locale.en.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"  # 5 December 2026
SHORT_DATE_FORMAT = "j M Y"  # 5 Dec 2026
SHORT_DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y H:i"
DAY_FORMAT = "D j M"  # Sat 5 Dec
DAY_TIME_FORMAT = "D j M H:i"
LONG_DAY_FORMAT = "l j F Y"  # Saturday 5 December 2026
MONEY_FORMAT = "SEK\u00a0%(amount)s"  # SEK 1,234.50
