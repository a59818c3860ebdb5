"""The demo as one part of the embedded runner (workers/runner.py), with the refusals and banner.

Contract:
- `refusal(environ)` names why the demo must not start (APP_ENV=production, or a MONGO_URI that is
  not the embedded database), in one line, or None. `manage.py run --demo` prints it and exits 2.
- `DemoPart.start(settings)` starts the stand-ins and returns the settings re-read with the demo's
  values in the environment (so they are validated like any other setting). `after_start(app)`,
  once the worker runs, applies the seed (once per database) and asks for a first price refresh.
  `stop()` stops the stand-ins; the runner calls it after the worker has stopped.
"""

from __future__ import annotations

import os

from demo.sources import DemoSources


def refusal(environ=os.environ) -> str | None:
    if (environ.get("APP_ENV") or "development").strip().lower() == "production":
        return "demo mode refuses APP_ENV=production: its data and third parties are fake"
    mongo = (environ.get("MONGO_URI") or "mongomock://").strip()
    if not mongo.startswith("mongomock://"):
        return "demo mode refuses a real database (MONGO_URI is not mongomock://): it would write fake data there"
    return None


class DemoPart:
    def __init__(self):
        self.sources = DemoSources()
        self.seeded: dict | None = None
        self.previous: dict | None = None

    def start(self, settings):
        from config.settings import load_config

        os.environ.update(self.sources.start())
        # The demo's fake data gets its own embedded file unless one is set (h3: persistence).
        os.environ.setdefault("EMBEDDED_DB_PATH", "var/demo.db")
        return load_config(settings.ENV_NAME)

    def after_start(self, app) -> None:
        from demo.seed import seed_once, seed_summary

        with app.app_context():
            self.seeded = seed_once()
            self.previous = None if self.seeded else seed_summary()
            app.extensions["celery"].send_task("prices.refresh_btc")

    def banner(self, base: str, admin_key: str) -> str:
        if self.seeded:
            seed = (
                f"  Seeded: {self.seeded['users']} users with {self.seeded['transactions']} transactions "
                f"over 90 days, {self.seeded['dialogs']} dialogs, a first ingestion"
            )
        elif self.previous:
            seed = f"  Seed: already applied to this database on {self.previous['applied_at']:%Y-%m-%d %H:%M} UTC"
        else:
            seed = "  Seed: skipped (the database already holds users)"
        h = f'-H "X-API-Key: {admin_key}"'
        return "\n".join(
            [
                "DEMO MODE: every third party is a local stand-in, every source is labelled demo-...",
                *self.sources.lines(),
                seed,
                "Try:",
                f"  curl -s {h} {base}/api/v1/prices/btc",
                f"  curl -s -X POST {h} -H 'Content-Type: application/json' "
                f"""-d '{{"currency": "EUR", "amount": "69.00"}}' {base}/api/v1/orders""",
                f'  curl -s {h} "{base}/api/v1/assets?limit=5"',
                "  (the whole journey: README.md, section 'Try it')",
            ]
        )

    def stop(self) -> None:
        self.sources.stop()
