"""One `redis.Redis` object per kombu channel and pool, instead of one per broker operation.

kombu's Redis transport builds a new `redis.Redis` for every publish and every acknowledgement
pipeline (`Channel.conn_or_acquire` -> `_create_client()`); each construction fills a table of about
150 response callbacks, ~50 us of CPU, three times per Celery round trip. A `redis.Redis` over a
connection pool is stateless and thread-safe (each command borrows a pooled connection), so a
channel can reuse one.

Contract: `install()` (idempotent, called by `init_celery`) makes `Channel._create_client()` return
the channel's cached synchronous client while the channel's pool is the one it was built on (kombu
replaces the pool after a connection error: a new client is built then). Asynchronous clients (the
BRPOP/pub-sub ones, which kombu pins to one connection) are built as before, one per call.
"""

from __future__ import annotations


def install() -> None:
    from kombu.transport import redis as transport

    channel_cls = transport.Channel
    if getattr(channel_cls, "_fido_reuses_clients", False):
        return
    create = channel_cls._create_client

    def create_client(self, asynchronous=False):
        if asynchronous:
            return create(self, asynchronous=True)
        client = self.__dict__.get("_fido_client")
        pool = self.pool
        if client is None or client.connection_pool is not pool:
            client = self._fido_client = create(self, asynchronous=False)
        return client

    channel_cls._create_client = create_client
    channel_cls._fido_reuses_clients = True
