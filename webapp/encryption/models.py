"""A key-rotation run: where it is (source and last `_id` done) and what it did so far.

The checkpoint (`source`, `after`) is written after every page, so a run whose worker died resumes
where it stopped when its task is delivered again (late acks), and a new run finds nothing to do
for what an earlier one finished. Only ids and counts: never a value.
"""

from __future__ import annotations

import mongoengine as me

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"


class RotationRun(me.Document):
    status = me.StringField(required=True, choices=(RUNNING, SUCCEEDED, FAILED))
    primary_key_id = me.StringField(required=True)  # the key everything is sealed under at the end
    source = me.StringField(null=True)  # the store being scanned ("users", ...); None before/after
    after = me.DynamicField(null=True)  # the last `_id` done in `source`
    total = me.IntField(default=0)  # documents of every source at the start (the progress bar's end)
    scanned = me.IntField(default=0)
    resealed = me.IntField(default=0)
    unreadable = me.IntField(default=0)
    started_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField(required=True)
    finished_at = me.DateTimeField(null=True)

    meta = {"collection": "encryption_rotations", "indexes": [{"fields": ["status", "-updated_at"]}]}
