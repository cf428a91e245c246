"""Serves the built PWA at `/`: hashed assets cached for a year, the shell never cached, and any
other path answered with index.html so the PWA's own router can take it (SPA fallback)."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.response import File

from server.errors import AppError
from server.settings import Settings

IMMUTABLE = "public, max-age=31536000, immutable"
NEVER_CACHED = "no-cache"
# The service worker and the pages that name the current build must always be revalidated.
SHELL_FILES = frozenset({"index.html", "sw.js", "manifest.webmanifest", "registerSW.js"})

mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")

PLACEHOLDER = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<title>Fieldkeep</title><p>前端尚未构建：请运行 <code>make run</code>。<br>
The PWA is not built yet: run <code>make run</code>.</p></html>"""


def _resolve(root: Path, path: str) -> Path | None:
    """The file under root that path names, or None; never a file outside root."""
    candidate = (root / path.lstrip("/")).resolve()
    if candidate.is_relative_to(root) and candidate.is_file():
        return candidate
    return None


@get(["/", "/{path:path}"], include_in_schema=False, sync_to_thread=False)
def pwa_files(request: Request[Any, Any, Any], settings: Settings, path: str = "") -> Response[Any]:
    if path == "/api" or path.startswith("/api/"):
        raise AppError("not_found", 404)
    root = settings.server.pwa_dir.resolve()
    found = _resolve(root, path) if path not in ("", "/") else None
    if found is None:
        index = root / "index.html"
        if not index.is_file():
            return Response(
                PLACEHOLDER, media_type="text/html", headers={"Cache-Control": NEVER_CACHED}
            )
        found = index
    relative = found.relative_to(root).as_posix()
    if relative in SHELL_FILES:
        cache = NEVER_CACHED
    elif relative.startswith("assets/"):
        cache = IMMUTABLE
    else:
        cache = "public, max-age=3600"
    media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    return File(
        found,
        media_type=media_type,
        headers={"Cache-Control": cache},
        content_disposition_type="inline",
    )
