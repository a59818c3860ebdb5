"""Rotation mechanics shared by the stores that hold sealed fields; each store passes its own
collection and field names (top-level `fields`, and `arrays` of (array, subfield) pairs such as
dialog messages' text).

Contract of `reseal_page`: reads up to `limit` documents with `_id` after `after`, in `_id` order;
for each, every non-empty value not sealed under the primary key (an older key, or clear text
written before encryption) is sealed under it by ONE conditional update whose filter repeats the
values read (compare-and-set): a concurrent write wins and is never overwritten; the document is
then read again and the values that write left under an old key are resealed in another round. A
value sealed under a key that is not configured is counted as `unreadable` and left alone. Every
value stays readable at every moment: an old value is replaced only by its re-sealed self.
"""

from __future__ import annotations

from collections import Counter

from webapp.crypto import FieldCipher, UndecryptableValue

MAX_ATTEMPTS = 20  # compare-and-set rounds per document before leaving it to the next run


def _values(doc: dict, fields, arrays):
    """(path, value) of every sealed-field value of `doc`."""
    for name in fields:
        yield name, doc.get(name)
    for array, sub in arrays:
        for index, item in enumerate(doc.get(array) or ()):
            if isinstance(item, dict):
                yield f"{array}.{index}.{sub}", item.get(sub)


def _projection(fields, arrays) -> dict:
    return {**{f: 1 for f in fields}, **{a: 1 for a, _ in arrays}}


def _reseal_one(collection, fields, arrays, cipher: FieldCipher, doc: dict) -> tuple[int, int]:
    """(resealed, unreadable) of one document. A compare-and-set that loses to a concurrent write (of
    any field, e.g. a new dialog message or a changed name) is retried on the document as it now is,
    so values that write did not touch are still resealed."""
    for _attempt in range(MAX_ATTEMPTS):
        match, changes, unreadable = {"_id": doc["_id"]}, {}, 0
        for path, value in _values(doc, fields, arrays):
            if not isinstance(value, str) or not value or cipher.key_of(value) == cipher.primary:
                continue
            try:
                changes[path] = cipher.reseal(value) if cipher.key_of(value) else cipher.seal(value)
            except UndecryptableValue:
                unreadable += 1
                continue
            match[path] = value
        if not changes:
            return 0, unreadable
        if collection.update_one(match, {"$set": changes}).modified_count:
            return len(changes), unreadable
        doc = collection.find_one({"_id": doc["_id"]}, _projection(fields, arrays))
        if doc is None:  # deleted meanwhile: nothing left to reseal
            return 0, 0
    return 0, unreadable  # still contended: left for the next run, which finds it under an old key


def reseal_page(collection, fields, arrays, cipher: FieldCipher, after, limit: int) -> dict:
    """{last_id, scanned, resealed, unreadable} of one page (last_id None: nothing after `after`)."""
    query = {"_id": {"$gt": after}} if after is not None else {}
    docs = list(collection.find(query, _projection(fields, arrays)).sort([("_id", 1)]).limit(limit))
    resealed = unreadable = 0
    for doc in docs:
        done, failed = _reseal_one(collection, fields, arrays, cipher, doc)
        resealed, unreadable = resealed + done, unreadable + failed
    last = docs[-1]["_id"] if docs else None
    return {"last_id": last, "scanned": len(docs), "resealed": resealed, "unreadable": unreadable}


def key_counts(collection, fields, arrays, cipher: FieldCipher) -> Counter:
    """How many values each key id seals; clear non-empty values count under None."""
    counts: Counter = Counter()
    for doc in collection.find({}, _projection(fields, arrays)):
        for _path, value in _values(doc, fields, arrays):
            if isinstance(value, str) and value:
                counts[cipher.key_of(value)] += 1
    return counts
