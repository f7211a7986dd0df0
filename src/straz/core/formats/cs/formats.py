"""Czech: day and month as numbers with a space after the dot (ČSN 01 6910), 24-hour time."""

DATE_FORMAT = "j. n. Y"
DATETIME_FORMAT = "j. n. Y H:i"
SHORT_DATE_FORMAT = "j. n. Y"
SHORT_DATETIME_FORMAT = "j. n. Y H:i"
TIME_FORMAT = "H:i"
