"""Labelled counters and histograms for the series every request and task touches, cheap to scrape.

prometheus_client rebuilds every sample of a labelled histogram (a dict of labels, a named tuple,
label names validated and values escaped) on each scrape: with 30 routes that alone made a scrape
cost several milliseconds. Here each series keeps plain numbers under one lock per metric and the
text of its lines up to the value, made once when the series first appears, so a scrape is a
concatenation. The output is the text format prometheus_client's `generate_latest` writes, line for
line (tests/metrics/test_series.py compares them).

In multiprocess mode (gunicorn, the prefork Celery worker) values must live in prometheus_client's
per-process files so that a scrape can sum them: `counter()` and `histogram()` then return thin
adapters over prometheus_client's own Counter and Histogram, with the same `inc`/`observe` calls.
"""

from __future__ import annotations

import os
import threading
from bisect import bisect_left

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.utils import floatToGoString


def _escape_value(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _header(name: str, documentation: str, kind: str) -> str:
    doc = documentation.replace("\\", r"\\").replace("\n", r"\n")
    return f"# HELP {name} {doc}\n# TYPE {name} {kind}\n"


def _line_prefix(name: str, pairs) -> str:
    """`name{label="value",...} ` with labels sorted by name (or `name ` with none), as
    prometheus_client writes them."""
    labels = ",".join(f'{n}="{_escape_value(v)}"' for n, v in sorted(pairs))
    return f"{name}{{{labels}}} " if labels else f"{name} "


class LabelledCounter:
    """A counter with labels, kept in this process (thread-safe: one lock)."""

    def __init__(self, name: str, documentation: str, labelnames: list[str]):
        self._name = name if name.endswith("_total") else f"{name}_total"
        self._labelnames = tuple(labelnames)
        self._header = _header(self._name, documentation, "counter")
        self._lock = threading.Lock()
        self._series: dict[tuple[str, ...], list] = {}  # label values -> [line prefix, value]

    def inc(self, *labelvalues: str, amount: float = 1.0) -> None:
        with self._lock:
            series = self._series.get(labelvalues)
            if series is None:
                prefix = _line_prefix(self._name, zip(self._labelnames, labelvalues, strict=True))
                series = self._series[labelvalues] = [prefix, 0.0]
            series[1] += amount

    def render(self) -> str:
        with self._lock:
            rows = [(prefix, value) for prefix, value in self._series.values()]
        return self._header + "".join(f"{prefix}{floatToGoString(value)}\n" for prefix, value in rows)


class LabelledHistogram:
    """A histogram with labels, kept in this process (thread-safe: one lock). `buckets` are the
    upper bounds, ending with +Inf, as prometheus_client's Histogram takes them."""

    def __init__(self, name: str, documentation: str, labelnames: list[str], buckets: tuple[float, ...]):
        if not buckets or buckets[-1] != float("inf") or list(buckets) != sorted(buckets):
            raise ValueError("buckets must be sorted and end with +Inf")
        self._name = name
        self._labelnames = tuple(labelnames)
        self._bounds = tuple(float(b) for b in buckets)
        self._header = _header(name, documentation, "histogram")
        self._lock = threading.Lock()
        # label values -> (bucket line prefixes + count and sum prefixes, per-bucket counts, [sum])
        self._series: dict[tuple[str, ...], tuple[list[str], list[int], list[float]]] = {}

    def _prefixes(self, labelvalues: tuple[str, ...]) -> list[str]:
        pairs = list(zip(self._labelnames, labelvalues, strict=True))
        buckets = [_line_prefix(f"{self._name}_bucket", [*pairs, ("le", floatToGoString(b))]) for b in self._bounds]
        return [*buckets, _line_prefix(f"{self._name}_count", pairs), _line_prefix(f"{self._name}_sum", pairs)]

    def observe(self, *labelvalues: str, value: float) -> None:
        index = bisect_left(self._bounds, value)  # the first bound >= value: Prometheus' `le`
        with self._lock:
            series = self._series.get(labelvalues)
            if series is None:
                series = self._series[labelvalues] = (self._prefixes(labelvalues), [0] * len(self._bounds), [0.0])
            series[1][index] += 1
            series[2][0] += value

    def render(self) -> str:
        with self._lock:
            rows = [(prefixes, list(counts), total[0]) for prefixes, counts, total in self._series.values()]
        out = [self._header]
        for prefixes, counts, total in rows:
            cumulative = 0
            for prefix, count in zip(prefixes[:-2], counts, strict=True):
                cumulative += count
                out.append(f"{prefix}{floatToGoString(cumulative)}\n")
            out.append(f"{prefixes[-2]}{floatToGoString(cumulative)}\n{prefixes[-1]}{floatToGoString(total)}\n")
        return "".join(out)


class _ClientCounter:
    """Multiprocess mode: the same calls on prometheus_client's Counter (values in its files)."""

    def __init__(self, metric: Counter):
        self._metric = metric

    def inc(self, *labelvalues: str, amount: float = 1.0) -> None:
        self._metric.labels(*labelvalues).inc(amount)


class _ClientHistogram:
    def __init__(self, metric: Histogram):
        self._metric = metric

    def observe(self, *labelvalues: str, value: float) -> None:
        self._metric.labels(*labelvalues).observe(value)


def multiprocess_mode() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def counter(name: str, documentation: str, labelnames: list[str], registry: CollectorRegistry):
    """A LabelledCounter, or in multiprocess mode prometheus_client's Counter on `registry`."""
    if multiprocess_mode():
        return _ClientCounter(Counter(name, documentation, labelnames, registry=registry))
    return LabelledCounter(name, documentation, labelnames)


def histogram(name: str, documentation: str, labelnames: list[str], buckets, registry: CollectorRegistry):
    """A LabelledHistogram, or in multiprocess mode prometheus_client's Histogram on `registry`."""
    if multiprocess_mode():
        return _ClientHistogram(Histogram(name, documentation, labelnames, buckets=buckets, registry=registry))
    return LabelledHistogram(name, documentation, labelnames, buckets)
