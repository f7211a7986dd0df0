"""The running program's source code, offered to every user as AGPL-3.0 §13 asks."""

from __future__ import annotations

import io
import tarfile
from functools import lru_cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

import straz
from straz.core.config import straz_settings

_SKIP_DIRS = {"__pycache__"}


@lru_cache(maxsize=1)
def source_archive() -> bytes:
    """A gzipped tarball of the installed `straz` package (and LICENSE when present)."""
    package = Path(straz.__file__).resolve().parent
    root_name = f"straz-{straz.__version__}"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        licence = package.parent.parent / "LICENSE"
        if licence.is_file():
            tar.add(licence, arcname=f"{root_name}/LICENSE")
        for path in sorted(package.rglob("*")):
            if not path.is_file() or _SKIP_DIRS & set(path.parts) or path.suffix == ".pyc":
                continue
            tar.add(path, arcname=f"{root_name}/src/straz/{path.relative_to(package)}")
    return buffer.getvalue()


def source_download(request: HttpRequest) -> HttpResponse:
    """Redirect to the configured repository, or send the running code as a tarball."""
    url = straz_settings().source_url
    if url:
        return HttpResponseRedirect(url)
    response = HttpResponse(source_archive(), content_type="application/gzip")
    response["Content-Disposition"] = (
        f'attachment; filename="straz-{straz.__version__}-source.tar.gz"'
    )
    return response
