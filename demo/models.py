"""The demo's one document: the fact that the seed was applied, kept in the database itself (so a
database that persists across restarts is seeded once, and a fresh one is seeded again)."""

from __future__ import annotations

import mongoengine as me

SEED_ID = "seed"


class DemoState(me.Document):
    id = me.StringField(primary_key=True)  # SEED_ID
    applied_at = me.DateTimeField(required=True)
    summary = me.DictField()

    meta = {"collection": "demo_state"}
