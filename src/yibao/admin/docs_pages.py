"""The admin API's interactive documentation, served entirely by the app (no CDN, no internet).

Swagger UI comes from the ``swagger-ui-bundle`` package (its vendored swagger-ui 4.15 build) and
is served under ``/admin/api/docs/assets``; the validator badge, which would call
validator.swagger.io, is turned off. Swagger UI 4 renders OpenAPI 3.0 only, so the page reads
``/admin/api/openapi-3.0.json``, the same description with its 3.1 schema forms written the 3.0
way (``nullable``, ``enum`` for ``const``, boolean ``exclusiveMinimum``); programs read the 3.1
original at ``/admin/api/openapi.json``. ReDoc at ``/admin/api/redoc`` is the standalone bundle of
ReDoc 2.5.4 vendored under ``web/static/vendor`` (MIT), without Google fonts (docs/admin-api.md).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH, ASSETS_PATH, REDOC_PATH = "/admin/api/docs", "/admin/api/docs/assets", "/admin/api/redoc"
OPENAPI_30_PATH = "/admin/api/openapi-3.0.json"
REDOC_JS_PATH = "/admin/api/docs/redoc.standalone.js"
REDOC_JS_FILE = Path(__file__).resolve().parent.parent / "web" / "static" / "vendor" / "redoc-2.5.4.standalone.js"


def _nullable(schema: dict) -> dict:
    options = [option for option in schema["anyOf"] if option != {"type": "null"}]
    if len(options) == len(schema["anyOf"]):
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    if len(options) == 1 and "$ref" not in options[0]:
        return {**options[0], **rest, "nullable": True}
    return {**rest, "anyOf": options, "nullable": True}


def _schema_30(schema: dict) -> dict:
    if "anyOf" in schema:
        schema = _nullable(schema)
    if isinstance(schema.get("type"), list):
        types = [kind for kind in schema["type"] if kind != "null"]
        schema = {**schema, "type": types[0] if types else "string", **({"nullable": True} if "null" in schema["type"] else {})}
    if "const" in schema:
        schema = {**{k: v for k, v in schema.items() if k != "const"}, "enum": [schema["const"]]}
    for bound, plain in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(schema.get(bound), (int, float)) and not isinstance(schema.get(bound), bool):
            schema = {**schema, plain: schema[bound], bound: True}
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        schema = {**{k: v for k, v in schema.items() if k != "examples"}, "example": schema["examples"][0]}
    return schema


def as_openapi_30(node):
    """The 3.1 description written for an OpenAPI 3.0 reader (Swagger UI 4)."""
    if isinstance(node, list):
        return [as_openapi_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: as_openapi_30(value) for key, value in node.items()}
    if "openapi" in converted and "paths" in converted:
        converted["openapi"] = "3.0.3"
    return _schema_30(converted) if ("type" in converted or "anyOf" in converted or "const" in converted) else converted


def swagger_assets_dir() -> str:
    import swagger_ui_bundle

    return swagger_ui_bundle.swagger_ui_path


def mount(app: FastAPI) -> None:
    app.mount(ASSETS_PATH, StaticFiles(directory=swagger_assets_dir()), name="swagger-ui-assets")

    @app.get(OPENAPI_30_PATH, include_in_schema=False)
    def openapi_30() -> JSONResponse:
        return JSONResponse(as_openapi_30(app.openapi()))

    @app.get(DOCS_PATH, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=OPENAPI_30_PATH,
                                   title="yibao 经办机构接口 (admin API)",
                                   swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
                                   swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False})

    @app.get(REDOC_JS_PATH, include_in_schema=False)
    def redoc_js() -> FileResponse:
        return FileResponse(REDOC_JS_FILE, media_type="text/javascript")

    @app.get(REDOC_PATH, include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=OPENAPI_30_PATH, title="yibao 经办机构接口 (admin API)",
                              redoc_js_url=REDOC_JS_PATH, redoc_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
                              with_google_fonts=False)
