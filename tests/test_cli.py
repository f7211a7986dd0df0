"""The `straz` console command: its usage text names only commands that exist."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

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


# ---------------------------------------------------------------- a taken port (issue 9, item 8)


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port somebody else listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield holder.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_taken_port_is_said_before_serving(command: str, taken_port: int, tmp_path: Path) -> None:
    env = {**os.environ, "STRAZ_DATA_DIR": str(tmp_path / "var"), "STRAZ_REQUIRE_2FA": "0"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [str(Path(sys.executable).with_name("straz")), command, "--port", str(taken_port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = result.stdout + result.stderr
    assert result.returncode != 0
    assert "serving" not in said
    assert "Traceback" not in said
    assert f"Port {taken_port} on 127.0.0.1 is already in use" in said
    assert "make demo PORT=8080" in said
    # The demo says it before it loads anything.
    if command == "demo":
        assert "Demo data" not in said
