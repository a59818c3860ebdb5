"""What the ingestion pipeline announces, for whoever listens (metrics), without knowing them.

`run_finished` is sent once per run that reaches a final state (succeeded or failed), with the
Flask app as sender and `duration_seconds` (float, >= 0). Receivers run in the sender's thread and
must not raise. Listeners import this module; it imports nothing of theirs (no path back).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

run_finished = _signals.signal("assets.run-finished")
