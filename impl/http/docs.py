"""Interactive docs that work offline: Swagger UI 5 at /docs and Redoc at /redoc, every asset
served by this app (no CDN), so they load on networks without internet and under a CSP that
allows only 'self'.

Swagger UI comes from the swagger-ui-bundle-v2 package (5.x renders OpenAPI 3.1; the older
swagger-ui-bundle is 4.x), Redoc's standalone bundle from fastapi-standalone-docs (only its
files are used). The pages load their settings from our own small scripts in docs_assets/.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from impl.http.problems import NotFound

OWN_ASSETS = Path(__file__).resolve().parent / "docs_assets"
REDOC_DIST = Path(str(files("fastapi_standalone_docs") / "static" / "redoc"))
ASSETS: dict[str, Path] = {
    "swagger-ui.css": Path(str(swagger_ui_path)) / "swagger-ui.css",
    "swagger-ui-bundle.js": Path(str(swagger_ui_path)) / "swagger-ui-bundle.js",
    "favicon-32x32.png": Path(str(swagger_ui_path)) / "favicon-32x32.png",
    "swagger-init.js": OWN_ASSETS / "swagger-init.js",
    "swagger-overrides.css": OWN_ASSETS / "swagger-overrides.css",
    "redoc.standalone.js": REDOC_DIST / "redoc.standalone.js",
    "redoc-init.js": OWN_ASSETS / "redoc-init.js",
    # Redoc's footer loads its logo relative to the page, from /redoc/logo-mini.svg.
    "logo-mini.svg": REDOC_DIST / "logo-mini.svg",
}
ASSET_MEDIA_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
ASSET_CACHE = "public, max-age=3600"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
{head}
</head>
<body>
{body}
</body>
</html>
"""


def swagger_ui_page(title: str) -> str:
    return PAGE.format(
        title=f"{title} - Swagger UI",
        head='<link rel="stylesheet" href="/docs/assets/swagger-ui.css">\n'
        '<link rel="stylesheet" href="/docs/assets/swagger-overrides.css">',
        body='<div id="swagger-ui"></div>\n'
        '<script src="/docs/assets/swagger-ui-bundle.js"></script>\n'
        '<script src="/docs/assets/swagger-init.js"></script>',
    )


def redoc_page(title: str) -> str:
    return PAGE.format(
        title=f"{title} - Redoc",
        head="",
        body='<div id="redoc"></div>\n'
        '<script src="/docs/assets/redoc.standalone.js"></script>\n'
        '<script src="/docs/assets/redoc-init.js"></script>',
    )


def install_docs(app: FastAPI, *, title: str) -> None:
    """Add /docs, /redoc and /docs/assets/{name}; create_app turns FastAPI's CDN pages off."""
    swagger_html, redoc_html = swagger_ui_page(title), redoc_page(title)

    async def docs() -> HTMLResponse:
        return HTMLResponse(swagger_html)

    async def redoc() -> HTMLResponse:
        return HTMLResponse(redoc_html)

    async def asset(name: str) -> FileResponse:
        path = ASSETS.get(name)
        if path is None:
            raise NotFound(f"There is no docs asset {name[:100]!r}.")
        return FileResponse(
            path, media_type=ASSET_MEDIA_TYPES[path.suffix], headers={"Cache-Control": ASSET_CACHE}
        )

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)
    app.add_api_route("/redoc", redoc, methods=["GET"], include_in_schema=False)

    async def redoc_logo() -> FileResponse:
        return await asset("logo-mini.svg")

    app.add_api_route("/docs/assets/{name}", asset, methods=["GET"], include_in_schema=False)
    app.add_api_route("/redoc/logo-mini.svg", redoc_logo, methods=["GET"], include_in_schema=False)
