"""Date and time formats per UI language, defined once (ADR 0035); Django's FORMAT_MODULE_PATH."""
