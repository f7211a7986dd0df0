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
    # django.contrib.auth (5.2): its Czech catalogue leaves "Single Sign-On" in English
    gettext_noop(
        "Whether the user will be able to authenticate using a password or not. "
        "If disabled, they may still be able to authenticate using other backends, "
        "such as Single Sign-On or LDAP."
    ),
    # django-otp: the TOTP device model's name (a plain string there; accounts.admin
    # looks it up for the permission picker)
    gettext_noop("TOTP device"),
    gettext_noop("TOTP devices"),
    # django-axes: models, fields and the list filter
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
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
