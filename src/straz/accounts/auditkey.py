"""Where the audit chain's HMAC key comes from: never the database, never the data directory.

ADR 0020: `STRAZ_AUDIT_KEY` (the key itself) or `STRAZ_AUDIT_KEY_FILE` (a file holding it);
with neither, a key file in the user's configuration directory, created on first use.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from straz.core.config import straz_settings

# HMAC-SHA256 gains nothing from a longer key; a shorter one is guessable.
KEY_MIN_BYTES = 32


class AuditKeyError(ImproperlyConfigured):
    """The audit key is missing, too short, or kept in the wrong place."""


def _xdg_dir(variable: str, fallback: str) -> Path:
    base = os.environ.get(variable) or str(Path.home() / fallback)
    return Path(base) / "straz"


def default_key_file() -> Path:
    """$XDG_CONFIG_HOME/straz/audit.key (~/.config/straz/audit.key)."""
    return _xdg_dir("XDG_CONFIG_HOME", ".config") / "audit.key"


def default_state_dir() -> Path:
    """$XDG_STATE_HOME/straz (~/.local/state/straz): where checkpoints go by default."""
    return _xdg_dir("XDG_STATE_HOME", ".local/state")


def _check_place(path: Path) -> Path:
    # A key beside the database protects nothing: whoever copies or rewrites var/ has both.
    resolved = path.expanduser().resolve()
    data_dir = Path(settings.DATA_DIR).resolve()
    if resolved == data_dir or data_dir in resolved.parents:
        raise AuditKeyError(f"the audit key file {resolved} must not be inside the data directory {data_dir}")
    return resolved


def _checked(key: bytes, where: str) -> bytes:
    if len(key) < KEY_MIN_BYTES:
        raise AuditKeyError(f"the audit key from {where} is shorter than {KEY_MIN_BYTES} bytes")
    return key


def key_source() -> str:
    """Where the key is (or would be) read from, for messages; never the key itself."""
    conf = straz_settings()
    if conf.audit_key:
        return "STRAZ_AUDIT_KEY"
    return str(_check_place(Path(conf.audit_key_file)) if conf.audit_key_file else default_key_file())


def load_key() -> bytes | None:
    """The configured key; None only when nothing is configured and the default file is absent."""
    conf = straz_settings()
    if conf.audit_key and conf.audit_key_file:
        raise AuditKeyError("set STRAZ_AUDIT_KEY or STRAZ_AUDIT_KEY_FILE, not both")
    if conf.audit_key:
        return _checked(conf.audit_key.encode("utf-8"), "STRAZ_AUDIT_KEY")
    if conf.audit_key_file:
        path = _check_place(Path(conf.audit_key_file))
        if not path.is_file():
            raise AuditKeyError(f"STRAZ_AUDIT_KEY_FILE names {path}, which does not exist")
        return _checked(path.read_bytes().strip(), str(path))
    path = _check_place(default_key_file())
    return _checked(path.read_bytes().strip(), str(path)) if path.is_file() else None


def create_default_key() -> bytes:
    """Generate the default key file (0600 in a 0700 directory) unless another process just did."""
    path = _check_place(default_key_file())
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written aside and linked into place: link() fails if the file exists, so two
    # processes starting together agree on one key and neither reads a half-written file.
    partial = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(partial, path)
        except FileExistsError:
            pass
    finally:
        partial.unlink()
    return _checked(path.read_bytes().strip(), str(path))
