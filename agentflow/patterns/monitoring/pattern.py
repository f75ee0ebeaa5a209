"""The monitoring pattern: recognised and scored; generation comes in a later version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentflow.patterns import IntegrationPattern, PatternMatch
from agentflow.patterns.signals import (
    KeySignal,
    Scorecard,
    SpecView,
    is_collection,
    show,
)

_SYSTEMS = frozenset(
    {"prometheus", "statsd", "datadog", "opentelemetry", "otlp", "graphite", "grafana"}
)
_SYSTEM_KEYS = ("backend", "provider", "system", "kind", "exporter")
_KEY_SIGNALS = (
    KeySignal(("pushgateway_url", "pushgateway"), 0.5, "a Prometheus Pushgateway"),
    KeySignal(("metrics_endpoint", "metrics_url", "metrics_path"), 0.4, "a metrics endpoint"),
    KeySignal(("prometheus", "prometheus_url"), 0.4, "Prometheus settings"),
    KeySignal(("statsd", "statsd_host", "statsd_address"), 0.4, "a StatsD daemon"),
    KeySignal(("metrics",), 0.3, "declares metrics", is_collection),
    KeySignal(("alerts", "alert_rules"), 0.3, "declares alerts", is_collection),
    KeySignal(("dashboards",), 0.3, "declares dashboards", is_collection),
    KeySignal(("scrape_interval", "push_interval"), 0.3, "a scrape or push interval"),
    KeySignal(("labels", "default_labels", "const_labels"), 0.1, "metric labels"),
)


class MonitoringPattern(IntegrationPattern):
    """Monitoring systems (metrics, Prometheus pushgateway, StatsD)."""

    name = "monitoring"
    description = "Monitoring systems (metrics, Prometheus pushgateway, StatsD)"
    available = False

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        """Score by metrics endpoints, Pushgateway/StatsD settings, metrics and alerts."""
        view = SpecView(requirements)
        card = Scorecard(self.name)
        _score_urls(view, card)
        card.add_word(view, _SYSTEM_KEYS, _SYSTEMS, "{path} names the {word} monitoring system")
        card.add_keys(view, _KEY_SIGNALS)
        return card.match()


def _score_urls(view: SpecView, card: Scorecard) -> None:
    """A statsd:// URL, a `/metrics` path or a Pushgateway host (port 9091)."""
    for text, scheme, parts in view.urls():
        if scheme == "statsd":
            card.add(0.5, f"{text.path} uses the statsd:// scheme")
            return
        if scheme not in {"http", "https"}:
            continue
        if parts.path.rstrip("/").endswith("/metrics"):
            card.add(0.3, f"{text.path} {show(text.text)} is a /metrics path", level=text.level)
            return
        if "pushgateway" in (parts.hostname or "") or _port(parts.netloc) == "9091":
            reason = f"{text.path} {show(text.text)} is a Pushgateway address"
            card.add(0.3, reason, level=text.level)
            return


def _port(netloc: str) -> str:
    """The port text of a netloc, without raising on a malformed one."""
    host = netloc.rsplit("@", 1)[-1]
    return host.rsplit(":", 1)[1] if ":" in host and not host.endswith("]") else ""
