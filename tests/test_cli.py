"""The `straz` console command: its usage text names only commands that exist."""

from __future__ import annotations

import re

import pytest
from django.core.management import get_commands

from straz import cli

# The pass-through to Django's own commands, not a command of its own.
PASS_THROUGH = {"manage"}


def commands_in_usage() -> list[str]:
    """The first word of every line in the usage text's command list."""
    listing = cli.USAGE.split("commands:", 1)[1]
    return [m.group(1) for m in re.finditer(r"^  ([a-z][a-z-]*)\b", listing, re.MULTILINE)]


def test_the_usage_text_lists_commands() -> None:
    named = commands_in_usage()
    assert {"demo", "serve", "worker", "import-areas", "manage"} <= set(named)


@pytest.mark.parametrize("name", [n for n in commands_in_usage() if n not in PASS_THROUGH])
def test_every_command_in_the_usage_text_exists(name: str) -> None:
    assert name.replace("-", "_") in get_commands(), f"`straz {name}` is not a management command"


def test_help_prints_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["--help"])
    assert capsys.readouterr().out.strip() == cli.USAGE.strip()
