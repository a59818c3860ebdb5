"""Field encryption at rest and blind indexes: the one module every store and model uses for them.

Contracts:
- `FieldCipher.seal(text)` returns `"f1:<kid>:<Fernet token>"`: authenticated encryption (AES-128-CBC
  + HMAC-SHA256, Fernet) under the first key of `FIELD_ENCRYPTION_KEYS`; `<kid>` is the first 8 hex
  digits of SHA-256 over that key, so a stored value names the key that opens it (rotation and
  `GET /api/v1/admin/encryption` count by it). Sealing the same text twice gives two different values.
- `open(value)` returns the text of a sealed value under whichever configured key it names; a value
  that is not sealed (None, or a plain string written before encryption) comes back unchanged. A
  sealed value whose key is no longer configured raises `UndecryptableValue` (never a silent None).
- `blind(text)` is HMAC-SHA256 under `FIELD_INDEX_KEY` over the normalised text (stripped,
  case-folded), hex: equal for equal inputs, so it carries uniqueness and lookups. It is independent
  of the encryption keys: rotating them never touches an index.
- `EncryptedStringField` seals on the way to MongoDB (documents, updates) and opens on the way back;
  raw pymongo reads of an encrypted field call `reveal()` (which raises on a value it cannot open;
  the field keeps such a value as it is, because it also converts clear text assigned by callers).

The cipher of a running app is `app.extensions["field_cipher"]` (built once by `init_crypto`);
`cipher()` reads it from the current app, so every call needs an app context (tasks push one).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os

import mongoengine as me
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask, current_app

from webapp.settings import current as current_settings

log = logging.getLogger(__name__)

PREFIX = "f1:"


class UndecryptableValue(RuntimeError):
    """A sealed value names a key that is not configured, or fails authentication."""


def key_id(key: bytes | str) -> str:
    raw = key.encode("ascii") if isinstance(key, str) else key
    return hashlib.sha256(raw).hexdigest()[:8]


class FieldCipher:
    """Seal/open/blind with the configured keys. Immutable after construction; thread-safe."""

    def __init__(self, keys: list[str], index_key: bytes) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernets = {key_id(k): Fernet(k.encode("ascii")) for k in keys}
        self.primary = key_id(keys[0])
        self.key_ids = tuple(self._fernets)
        self._primary_fernet = self._fernets[self.primary]
        self._index_key = index_key

    def seal(self, text: str | None) -> str | None:
        if text is None:
            return None
        token = self._primary_fernet.encrypt(text.encode("utf-8")).decode("ascii")
        return f"{PREFIX}{self.primary}:{token}"

    def open(self, value):
        if not isinstance(value, str) or not value.startswith(PREFIX):
            return value
        kid, _, token = value[len(PREFIX) :].partition(":")
        fernet = self._fernets.get(kid)
        if fernet is None:
            raise UndecryptableValue(f"value sealed under key id {kid}, which is not configured")
        try:
            return fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise UndecryptableValue(f"value under key id {kid} fails authentication") from None

    def reseal(self, value):
        """`value` sealed under the primary key (unchanged when it already is, or is not a string)."""
        if not isinstance(value, str) or self.key_of(value) == self.primary:
            return value
        return self.seal(self.open(value))

    @staticmethod
    def key_of(value) -> str | None:
        """The key id a sealed value names; None for anything else."""
        if not isinstance(value, str) or not value.startswith(PREFIX):
            return None
        return value[len(PREFIX) : len(PREFIX) + 8]

    def blind(self, text: str) -> str:
        normalised = text.strip().casefold().encode("utf-8")
        return hmac.new(self._index_key, normalised, hashlib.sha256).hexdigest()


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def _derived(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"fido {purpose}:{secret}".encode()).digest()


def _key_file(db_path: str) -> str:
    """The key beside the embedded database file: read it, or create it (mode 0600) once."""
    path = f"{db_path}.key"
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, encoding="ascii") as handle:
            return handle.read().strip()
    key = new_key()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    log.warning("field encryption key generated in %s (set FIELD_ENCRYPTION_KEYS to manage keys yourself)", path)
    return key


def build_cipher(platform) -> FieldCipher:
    """The cipher the platform settings (`webapp.settings.current().platform`) describe.
    Keys: FIELD_ENCRYPTION_KEYS; else, on the embedded database,
    the key file beside EMBEDDED_DB_PATH (or a key for this process when the path is empty); else
    (development on a real MongoDB) a key derived from SECRET_KEY, with a warning. Production never
    gets here without both keys (`ProductionConfig.validate`)."""
    keys = platform.FIELD_ENCRYPTION_KEYS
    if keys:
        keys = list(keys)
    elif str(platform.MONGO_URI or "").startswith("mongomock://"):
        path = platform.EMBEDDED_DB_PATH
        if path:
            keys = [_key_file(path)]
        else:
            keys = [new_key()]  # in memory only: the data dies with the process, so may the key
    else:
        log.warning("FIELD_ENCRYPTION_KEYS is not set: using a key derived from SECRET_KEY (development only)")
        keys = [base64.urlsafe_b64encode(_derived(platform.SECRET_KEY, "field-encryption")).decode("ascii")]
    index = platform.FIELD_INDEX_KEY
    index_key = index.encode("utf-8") if index else _derived(platform.SECRET_KEY, "field-index")
    return FieldCipher(keys, index_key)


def init_crypto(app: Flask, cipher: FieldCipher | None = None) -> None:
    app.extensions["field_cipher"] = cipher or build_cipher(current_settings(app).platform)


def cipher() -> FieldCipher:
    return current_app.extensions["field_cipher"]


def seal(text):
    return cipher().seal(text)


def reveal(value):
    return cipher().open(value)


def reveal_or_keep(value):
    """`reveal(value)`, or `value` itself when no configured key opens it (what
    `EncryptedStringField` does when it reads a document)."""
    try:
        return reveal(value)
    except UndecryptableValue:
        return value


def blind(text: str) -> str:
    return cipher().blind(text)


class EncryptedStringField(me.StringField):
    """A string stored sealed. Validation (length, required) applies to the clear text; queries by
    equality on it cannot match (use a blind index field instead)."""

    def to_mongo(self, value):
        return seal(value) if isinstance(value, str) else value

    def to_python(self, value):
        # MongoEngine also calls this on values a caller assigns (clear text, which may even look
        # sealed): what no configured key opens is kept as it is.
        return reveal_or_keep(value)

    def prepare_query_value(self, op, value):
        return self.to_mongo(value)
