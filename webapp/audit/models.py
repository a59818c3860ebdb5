"""The audit record. Append-only: the store inserts, lists and purges by age; nothing updates one.

Fields are ids and request metadata only, never a body, a query string or a personal value:
`route` is the URL rule (`/api/v1/users/<user_id>`), `resource_id` the path's ids joined by "/".
The `_id` (an ObjectId, whose leading seconds are the insert time) is the list's sort key and
carries the time bounds of `since`/`until` and of the retention purge.
"""

from __future__ import annotations

import mongoengine as me


class AuditRecord(me.Document):
    at = me.DateTimeField(required=True)
    api_key_id = me.StringField(null=True)  # None when the request had no valid key
    method = me.StringField(required=True, max_length=10)
    route = me.StringField(null=True, max_length=300)  # None when no route matched (404)
    resource_id = me.StringField(null=True, max_length=300)
    status = me.IntField(required=True)
    request_id = me.StringField(null=True, max_length=128)
    client_ip = me.StringField(null=True, max_length=64)

    meta = {
        "collection": "audit_records",
        "indexes": [
            # `_id` alone serves the unfiltered list, the time bounds and the purge.
            {"fields": ["api_key_id", "-id"]},
            {"fields": ["status", "-id"]},
            {"fields": ["method", "-id"]},
        ],
    }
