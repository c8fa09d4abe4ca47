"""Date and number formats per language (FORMAT_MODULE_PATH). enplan is used in Denmark: the
English interface keeps Danish day-month-year dates and 24-hour times, so that a date reads
the same whatever the language (12.04.2026 15:43, never 12/04/2026 3:43 p.m.)."""
