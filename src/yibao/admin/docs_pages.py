"""The admin API's interactive documentation, served entirely by the app (no CDN, no internet).

Swagger UI comes from the ``swagger-ui-bundle`` package (its vendored swagger-ui build) and is
served under ``/admin/api/docs/assets``; the validator badge, which would call
validator.swagger.io, is turned off. No offline ReDoc bundle is installed, so ``/admin/api/redoc``
sends to the Swagger UI page instead of loading ReDoc from a CDN (docs/admin-api.md).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH, ASSETS_PATH, REDOC_PATH = "/admin/api/docs", "/admin/api/docs/assets", "/admin/api/redoc"


def swagger_assets_dir() -> str:
    import swagger_ui_bundle

    return swagger_ui_bundle.swagger_ui_path


def mount(app: FastAPI) -> None:
    app.mount(ASSETS_PATH, StaticFiles(directory=swagger_assets_dir()), name="swagger-ui-assets")

    @app.get(DOCS_PATH, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/admin/api/openapi.json",
                                   title="yibao 经办机构接口 (admin API)",
                                   swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
                                   swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False})

    @app.get(REDOC_PATH, include_in_schema=False)
    def redoc() -> RedirectResponse:
        return RedirectResponse(DOCS_PATH, status_code=307)
