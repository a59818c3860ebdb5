"""The OpenAPI document as a contract: what every operation can answer, who may call it, and the
exact constraints of exact-decimal fields.

Contract of the generated document (checked by tests/platform/test_openapi_contract.py and the
schemathesis run):
- every operation has a unique `operationId` (`<blueprint>_<View>_<method>`);
- public operations (health, the signed Twilio webhook) carry `security: []`;
- every operation lists each error status it can answer with the error envelope schema: 401/403
  for keyed routes, 429 on `/api/v1`, 400/413/415 where a body is read, 404 where a path names a
  resource, 422 where input is validated, plus what a view declares with `@answers(...)` (409, 410,
  503 ...: the domain rules only the view knows);
- a parameter whose bound is a setting (`x-maximum-setting` in its metadata) gets that setting's
  value as `maximum`;
- a schema class may add JSON Schema keywords marshmallow cannot state in `OPENAPI_EXTRA`
  (`{"minProperties": 1}` for a change that needs at least one field);
- an `Amount` is `oneOf` a number (exclusive bounds, `multipleOf`) and a string with the pattern the
  server matches.
"""

from __future__ import annotations

from http import HTTPStatus

from apispec import BasePlugin
from flask import Flask
from marshmallow import Schema, fields

from webapp import settings
from webapp.fields import Amount

BODY_METHODS = {"post", "put", "patch", "delete"}


class ErrorEnvelopeSchema(Schema):
    """The one error envelope (see webapp/errors.py)."""

    code = fields.Integer(required=True, metadata={"description": "HTTP status code"})
    status = fields.String(required=True, metadata={"description": "HTTP reason phrase"})
    message = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Field errors by location (json, query, path, headers, form)"})


def answers(*statuses: int):
    """Mark a view: besides the statuses every route of its kind can answer, it answers `statuses`."""

    def mark(view):
        view._answers = tuple(statuses)
        return view

    return mark


def amount_property(self, field, ret, **kwargs) -> dict:
    """apispec attribute function: an `Amount` is a JSON number or a decimal string, both exact."""
    if not isinstance(field, Amount):
        return {}
    for key in ("type", "format", "minimum", "maximum"):
        ret.pop(key, None)
    number = {
        "type": "number",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": int(field.maximum),
        "exclusiveMaximum": True,
        "multipleOf": float(10**-field.max_places),
    }
    string = {"type": "string", "pattern": field.pattern}
    return {"oneOf": [number, string]}


class ContractPlugin(BasePlugin):
    """Completes each operation from the view that serves it (markers set by decorators)."""

    def __init__(self, app: Flask):
        self.app = app
        self.operation_ids: set[str] = set()

    def schema_helper(self, name, definition, **kwargs):
        schema = kwargs.get("schema")
        schema_class = schema if isinstance(schema, type) else type(schema)
        return dict(getattr(schema_class, "OPENAPI_EXTRA", {}))

    def _view_method(self, endpoint: str, method: str):
        view = self.app.view_functions.get(endpoint)
        view_class = getattr(view, "view_class", None)
        return getattr(view_class, method, None) if view_class is not None else view

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        api_route = rule.rule.startswith("/api/v1/")
        for method, operation in operations.items():
            view = self._view_method(rule.endpoint, method)
            public = not api_route or getattr(view, "_public", False)
            operation["operationId"] = self._operation_id(rule.endpoint, method)
            if public:
                operation["security"] = []
            self._settings_bounds(operation)
            responses = operation.setdefault("responses", {})
            for status in self._statuses(rule, method, operation, view, api_route, public):
                if status not in responses and str(status) not in responses:
                    responses[status] = HTTPStatus(status).name  # flask-smorest's lazy components
            for status, response in responses.items():
                error = str(status).isdigit() and int(status) >= 400
                if error and isinstance(response, dict) and not response.get("content"):
                    response["content"] = {"application/json": {"schema": "ErrorEnvelope"}}

    def _settings_bounds(self, operation: dict) -> None:
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {}) if isinstance(parameter, dict) else {}
            setting = schema.pop("x-maximum-setting", None)
            if setting:
                schema["maximum"] = settings.value(setting, self.app)

    def _operation_id(self, endpoint: str, method: str) -> str:
        operation_id = f"{endpoint.replace('.', '_').replace('-', '_')}_{method}"
        assert operation_id not in self.operation_ids, f"duplicate operationId {operation_id}"
        self.operation_ids.add(operation_id)
        return operation_id

    @staticmethod
    def _statuses(rule, method, operation, view, api_route, public) -> list[int]:
        statuses = list(getattr(view, "_answers", ()))
        if not api_route:
            return statuses
        statuses.append(429)
        statuses += [403] if public else [401, 403]
        if method in BODY_METHODS:
            statuses += [413, 415]
        if "requestBody" in operation:
            statuses += [400, 422]
        if rule.arguments:
            statuses.append(404)
        if any(p.get("in") == "query" for p in operation.get("parameters", []) if isinstance(p, dict)):
            statuses.append(422)
        return statuses
