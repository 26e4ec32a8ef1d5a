"""The agencies' REST API (OpenAPI at /admin/api/openapi.json)."""
