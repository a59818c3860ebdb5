"""Every declared index, created once at start.

MongoEngine creates a document's indexes on the first use of its collection, after it has already
handed the collection to other threads: until they exist, a burst of first requests is not guarded
by a unique index (two idempotency claims for one key were seen in the contract tier). `create_app`
calls `ensure_indexes()` after importing every domain, so indexes exist before any request or task.
On a real MongoDB `createIndexes` is a no-op for indexes that already exist.
"""

from __future__ import annotations

import mongoengine
from mongoengine.base import _document_registry


def ensure_indexes() -> int:
    """Create the indexes of every registered top-level document; how many documents were set up."""
    done = 0
    for cls in list(_document_registry.values()):
        if not issubclass(cls, mongoengine.Document) or cls._meta.get("abstract"):
            continue
        # Public API; binds the collection on first use. Bound for the first time, MongoEngine also
        # creates the indexes while binding, so they are requested twice: a no-op on MongoDB.
        cls.ensure_indexes()
        done += 1
    return done
