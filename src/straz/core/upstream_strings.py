"""Strings of Django's admin and django-axes that their own Czech or Polish catalogues lack.

The admin and the lockout records show them to Straz's administrators; listing them here
lets `makemessages` keep them in Straz's catalogue, which Django consults first.
"""

from django.utils.translation import gettext_noop

UPSTREAM_STRINGS = (
    # django.contrib.admin (5.2): the index table's headings, the add-user form
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Model name"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    # django-axes: models, fields and the list filter
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("Access lock out"),
    gettext_noop("Locked Out"),
    gettext_noop("Attempt Time"),
    gettext_noop("Logout Time"),
    gettext_noop("Failed Logins"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("HTTP Accept"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
)
