"""API key tasks: how the CLI manages keys held by a running embedded (`run`) process."""

from celery import shared_task

from webapp.apikeys import services


def _public(doc) -> dict:
    return {
        "id": str(doc.id),
        "name": doc.name,
        "scope": doc.scope,
        "prefix": doc.prefix,
        "created_at": doc.created_at.isoformat(),
    }


@shared_task(name="apikeys.create", queue="default", ignore_result=False)
def create_key(name: str, scope: str) -> dict:
    """Create a key; the result (holding the secret) is read once and forgotten. Not idempotent:
    the CLI does not retry it."""
    doc, key = services.create_key(name, scope)
    return {**_public(doc), "key": key}


@shared_task(name="apikeys.list", queue="default", ignore_result=False)
def list_keys() -> list:
    """Active keys without secrets. Read-only."""
    return [_public(doc) for doc in services.list_keys()]


@shared_task(name="apikeys.revoke", queue="default", ignore_result=False)
def revoke_key(key_id: str) -> dict:
    """Revoke a key. Idempotent in effect: a second run reports revoked=False."""
    from webapp.errors import NotFound

    try:
        services.revoke_key(key_id)
    except NotFound:
        return {"revoked": False}
    return {"revoked": True}
