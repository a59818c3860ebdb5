"""Where data came from, as the API shows it (`source` of a quote, `rate_source` of an order,
`provider` of a snapshot and of an SMS).

Contract: `source_label(name)` is `name` ("coingecko", "twilio", ...), or `demo-<name>` when the
app runs with DEMO_MODE, which only `manage.py run --demo` sets (its third parties are local
stand-ins), so nothing made in the demo can pass for real data.
"""

from __future__ import annotations

from webapp.settings import current as current_settings


def source_label(name: str) -> str:
    return f"demo-{name}" if current_settings().platform.DEMO_MODE else name
