"""The `straz` console command: demo, serve, worker, createtoken, audit, imports.

Each sub-command is a Django management command (hyphens become underscores), so that
tests call them with `call_command` and operators with `straz NAME`.
"""

from __future__ import annotations

import os
import sys

USAGE = """usage: straz COMMAND [options]

commands:
  demo [--port N] [--no-serve]  migrate the database (./var/straz.sqlite3 unless DATABASE_URL),
                             load the demo data set, serve on 127.0.0.1 (--no-serve: load and exit)
  serve [--host H] [--port N] [--workers N] [--threads N]  serve the web application from
                             N processes (default one per CPU; migrate first with `straz migrate`)
  worker                     run background jobs: notifications, deadlines, public-view expiry
  createtoken USERNAME       print a new API token for a staff user
  audit verify|checkpoint|rekey  check the keyed chain against the latest signed checkpoint,
                             write a checkpoint, anchor a log written before the key
  import-areas FILE --kind {region,orp,municipality,city-district,police-district} --code-field P --name-field P
  import-addresses FILE... [--format ruian|csv]  import address points (RÚIAN CSV or zips
                             of them in cp1250, or any CSV with --*-column options)
  import-crime-map FILE...   import Czech police crime-map open data (GeoJSON/CSV, code lists)
  manage ARGS...             any Django management command (migrate, createsuperuser, …)
"""


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "straz.settings")
    # Every straz command writes data files private to this account (ADR 0027): the
    # settings create var/ and the secret key, migrate creates the database.
    from straz.core.filemodes import restrict_new_files

    restrict_new_files()
    # Django's command machinery is heavy: imported only when a command runs, so that
    # `straz --help` answers at once.
    from django.core.management import execute_from_command_line

    command, rest = args[0], args[1:]
    if command == "demo":
        # The demo's published logins have no second factor (ADR 0024); a deployment
        # (`straz serve`) requires one unless STRAZ_REQUIRE_2FA says otherwise.
        os.environ.setdefault("STRAZ_REQUIRE_2FA", "0")
    if command == "manage":
        execute_from_command_line(["straz", *rest])
        return
    execute_from_command_line(["straz", command.replace("-", "_"), *rest])


if __name__ == "__main__":
    main()
