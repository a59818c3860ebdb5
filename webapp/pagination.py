"""List conventions shared by every domain.

Offset lists: `?page=&page_size=` (page from 1, page_size 1..100, default 20) answered as
`{"items", "total", "page", "page_size"}`. Cursor lists: `?cursor=&page_size=` answered as
`{"items", "next_cursor"}`; a cursor is the last row's sort key, JSON, base64url, signed with
SECRET_KEY so that a tampered or malformed cursor is a 422, never a query.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from flask import current_app
from marshmallow import Schema, fields, validate

from webapp.errors import Invalid
from webapp.fields import Integer

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


class PageArgsSchema(Schema):
    page = Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = Integer(load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class CursorArgsSchema(Schema):
    cursor = fields.String(load_default=None, validate=validate.Length(min=1, max=512))
    page_size = Integer(load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """The offset-list response schema for items of `item_schema`."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "page_size": fields.Integer(required=True),
        },
        name=name,
    )


def cursor_page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """The cursor-list response schema for items of `item_schema`."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(required=True, allow_none=True),
        },
        name=name,
    )


def _signature(payload: bytes) -> bytes:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"cursor:" + payload, hashlib.sha256).digest()[:16]


def encode_cursor(values: list) -> str:
    payload = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(_signature(payload) + payload).rstrip(b"=").decode()


def decode_cursor(token: str) -> list:
    """The sort-key values in `token`; Invalid (422) when malformed or not signed by us."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        signature, payload = raw[:16], raw[16:]
        if len(signature) < 16 or not hmac.compare_digest(signature, _signature(payload)):
            raise ValueError("bad signature")
        values = json.loads(payload)
        if not isinstance(values, list):
            raise ValueError("not a list")
        return values
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid(
            "The cursor is malformed or was altered.", errors={"query": {"cursor": ["Invalid cursor."]}}
        ) from None
