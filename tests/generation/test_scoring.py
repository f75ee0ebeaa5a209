"""Pattern scoring and selection: every kind of spec is recognised, with reasons and margin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from agentflow.errors import PatternSelectionError
from agentflow.patterns.base import (
    NEAR_TIE,
    IntegrationPattern,
    PatternMatch,
    score_patterns,
    select_pattern,
)
from agentflow.patterns.builtin import BUILTIN_PATTERNS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BUILTINS: dict[str, IntegrationPattern] = {cls.name: cls() for cls in BUILTIN_PATTERNS}


def requirements_of(filename: str) -> dict[str, Any]:
    document = yaml.safe_load((EXAMPLES / filename).read_text(encoding="utf-8"))
    assert isinstance(document["requirements"], dict)
    return document["requirements"]


def assert_picked_with_margin(requirements: Any, expected: str) -> list[PatternMatch]:
    pattern, matches = select_pattern(requirements, patterns=BUILTINS)
    assert pattern.name == expected, matches
    assert matches[0].score - matches[1].score >= NEAR_TIE, matches
    assert matches[0].reasons
    return matches


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("github.yaml", "api"),
        ("stripe.yaml", "api"),
        ("postgres.yaml", "database"),
        ("rabbitmq.yaml", "message_queue"),
        ("s3.yaml", "file_storage"),
        ("oauth.yaml", "auth"),
        ("prometheus.yaml", "monitoring"),
    ],
)
def test_each_example_file_picks_its_pattern_with_margin(filename: str, expected: str) -> None:
    assert_picked_with_margin(requirements_of(filename), expected)


def test_new_example_files_rely_on_detection() -> None:
    for filename in ("postgres.yaml", "rabbitmq.yaml", "s3.yaml", "oauth.yaml", "prometheus.yaml"):
        document = yaml.safe_load((EXAMPLES / filename).read_text(encoding="utf-8"))
        assert "type" not in document and document["service"]


TYPICAL_SPECS: list[tuple[str, dict[str, Any], str]] = [
    (
        "api with oauth2 client credentials nested under auth",
        {
            "base_url": "https://api.acme.example",
            "auth": {
                "type": "oauth2",
                "token_url": "https://id.acme.example/token",
                "client_id": "orders",
                "client_secret_env": "ACME_SECRET",
                "grant_type": "client_credentials",
                "scopes": ["orders.read"],
            },
            "endpoints": [{"method": "GET", "path": "/orders"}],
        },
        "api",
    ),
    ("api with short-form endpoints", {"url": "https://x.example", "endpoints": ["GET /a"]}, "api"),
    (
        "auth provider whose base_url is an http URL",
        {
            "base_url": "https://login.example.com",
            "token_url": "https://login.example.com/oauth/token",
            "client_id": "cli",
            "grant_type": "client_credentials",
        },
        "auth",
    ),
    (
        "auth settings nested under oauth",
        {"oauth": {"token_url": "https://x.example/token", "client_id": "c", "scopes": ["a"]}},
        "auth",
    ),
    (
        "oidc discovery only",
        {"discovery_url": "https://accounts.example/.well-known/openid-configuration"},
        "auth",
    ),
    (
        "monitoring with an http url",
        {"url": "http://prometheus:9090", "metrics": [{"name": "up"}], "scrape_interval": "15s"},
        "monitoring",
    ),
    (
        "pushgateway by port",
        {"url": "http://metrics.internal:9091", "metrics": ["jobs_total"]},
        "monitoring",
    ),
    ("statsd", {"statsd": {"host": "localhost", "port": 8125}, "metrics": ["hits"]}, "monitoring"),
    (
        "kafka",
        {"bootstrap_servers": "k1:9092", "topics": ["orders"], "consumer_group": "billing"},
        "message_queue",
    ),
    ("mqtt", {"broker_url": "mqtt://broker:1883", "topics": ["sensors/#"]}, "message_queue"),
    ("nats", {"url": "nats://nats:4222", "subjects": ["orders.*"]}, "message_queue"),
    (
        "redis streams",
        {"url": "redis://cache:6379/0", "streams": ["orders"], "consumer_group": "billing"},
        "message_queue",
    ),
    ("redis cache", {"url": "redis://cache:6379/0", "cache": {"ttl": 300}}, "database"),
    ("redis with keys", {"url": "rediss://cache:6380", "keys": {"session": "str"}}, "database"),
    ("redis alone", {"url": "redis://cache:6379/0"}, "database"),
    ("mongodb+srv", {"uri": "mongodb+srv://c0.example.net/app", "collections": ["u"]}, "database"),
    ("sqlite", {"database": "sqlite:///data/app.db", "tables": ["notes"]}, "database"),
    ("driver form", {"dsn": "postgresql+psycopg://db/app"}, "database"),
    (
        "minio",
        {"endpoint_url": "http://minio:9000", "region": "us-east-1", "buckets": ["uploads"]},
        "file_storage",
    ),
    ("gcs", {"bucket_url": "gs://acme-reports/daily"}, "file_storage"),
]


@pytest.mark.parametrize(
    ("requirements", "expected"),
    [(spec, expected) for _, spec, expected in TYPICAL_SPECS],
    ids=[label for label, _, _ in TYPICAL_SPECS],
)
def test_typical_specs_pick_their_pattern_with_margin(
    requirements: dict[str, Any], expected: str
) -> None:
    assert_picked_with_margin(requirements, expected)


def test_histogram_buckets_are_not_storage_buckets() -> None:
    matches = {m.name: m for m in score_patterns(requirements_of("prometheus.yaml"), BUILTINS)}
    assert matches["file_storage"].score == 0.0


def test_redis_is_claimed_by_one_pattern_only() -> None:
    streams = {"url": "redis://r:6379", "streams": ["events"]}
    cache = {"url": "redis://r:6379", "cache": True}
    by_name = {m.name: m.score for m in score_patterns(streams, BUILTINS)}
    assert by_name["database"] == 0.0 < by_name["message_queue"]
    by_name = {m.name: m.score for m in score_patterns(cache, BUILTINS)}
    assert by_name["message_queue"] == 0.0 < by_name["database"]


def test_reasons_name_the_signals_seen() -> None:
    api = BUILTINS["api"].explain(requirements_of("github.yaml"))
    assert "base_url 'https://api.github.com' is an http(s) URL" in api.reasons
    assert "endpoints lists 4 operation(s) with method and path" in api.reasons
    database = BUILTINS["database"].explain(requirements_of("postgres.yaml"))
    assert "connection_string uses the postgresql:// scheme" in database.reasons
    assert "tables: declares tables" in database.reasons


def test_reasons_never_echo_credentials() -> None:
    requirements = {
        "base_url": "https://admin:hunter2@api.example.com/v1?token=s3cret",
        "connection_string": "postgresql://admin:hunter2@db/app",
    }
    for match in score_patterns(requirements, BUILTINS):
        text = " ".join(match.reasons)
        assert "hunter2" not in text and "s3cret" not in text
    api = BUILTINS["api"].explain(requirements)
    assert "base_url 'https://api.example.com/v1' is an http(s) URL" in api.reasons


def test_nested_keys_count_less_than_top_level_ones() -> None:
    top = BUILTINS["auth"].explain({"token_url": "https://x/t"}).score
    nested = BUILTINS["auth"].explain({"provider": {"token_url": "https://x/t"}}).score
    assert nested == pytest.approx(top / 2)


def test_scores_are_deterministic_and_ignore_key_order() -> None:
    requirements = requirements_of("rabbitmq.yaml")
    reordered = dict(reversed(list(requirements.items())))
    first = score_patterns(requirements, BUILTINS)
    assert score_patterns(requirements, BUILTINS) == first
    assert [(m.name, m.score) for m in score_patterns(reordered, BUILTINS)] == [
        (m.name, m.score) for m in first
    ]


def test_near_tie_is_an_error_that_shows_scores_and_asks_for_type() -> None:
    requirements = {"primary": "postgresql://db/app", "events": "amqp://mq/"}
    with pytest.raises(PatternSelectionError) as caught:
        select_pattern(requirements, patterns=BUILTINS)
    message = str(caught.value)
    assert "database=0.60" in message and "message_queue=0.60" in message
    assert "type: database" in message and "type: message_queue" in message


class Fixed(IntegrationPattern):
    """A pattern with a fixed score, for exercising selection rules."""

    def __init__(self, name: str, score: float) -> None:
        self.name = name  # type: ignore[misc]
        self.score = score

    def matches(self, requirements: Any) -> float:
        return self.score


def test_a_gap_of_exactly_the_threshold_is_not_a_tie() -> None:
    patterns: dict[str, IntegrationPattern] = {"a": Fixed("a", 0.5), "b": Fixed("b", 0.4)}
    pattern, _ = select_pattern({}, patterns=patterns)
    assert pattern.name == "a"


def test_explicit_type_wins_over_scores() -> None:
    pattern, matches = select_pattern(
        requirements_of("github.yaml"), explicit_type="database", patterns=BUILTINS
    )
    assert pattern.name == "database"
    assert matches[0].name == "api"


def test_unknown_type_lists_the_choices() -> None:
    with pytest.raises(PatternSelectionError) as caught:
        select_pattern({}, explicit_type="graphql", patterns=BUILTINS)
    message = str(caught.value)
    assert "'graphql'" in message
    for name in BUILTINS:
        assert name in message


def test_nothing_fits_is_an_error() -> None:
    with pytest.raises(PatternSelectionError, match="no pattern fits .*add `type:`"):
        select_pattern({"colour": "blue", "size": 3}, patterns=BUILTINS)


class ExplodingMapping(dict[str, Any]):
    """A mapping whose items cannot be read."""

    def items(self) -> Any:
        raise RuntimeError("boom")


def _deep_list(depth: int) -> list[Any]:
    value: list[Any] = ["postgresql://db/app"]
    for _ in range(depth):
        value = [value]
    return value


def _hostile_values() -> list[Any]:
    recursive: list[Any] = []
    recursive.append(recursive)
    cyclic: dict[str, Any] = {"tables": ["t"]}
    cyclic["self"] = cyclic
    return [
        None,
        42,
        3.5,
        True,
        b"postgresql://db/app",
        {"a", "b"},
        _deep_list(500),
        recursive,
        cyclic,
        "x" * 5_000_000,
        "https://" + "a" * 1_000_000,
        "http://[::1",
        "http://host:notaport/metrics",
        [{"method": None, "path": 5}] * 100_000,
        [[{"bucket": ["b"]}] * 300] * 300,
        ExplodingMapping(a=1),
        {1: "postgresql://db/app", None: [], (1, 2): "s3://b", 2.5: {"x": 1}},
        {"k" * 100_000: "amqp://mq", "\x00\n": "nats://n"},
    ]


@pytest.mark.parametrize("value", _hostile_values(), ids=lambda v: type(v).__name__)
def test_hostile_values_never_crash_and_stay_in_range(value: Any) -> None:
    for container in ({"endpoints": value, "tables": value, "base_url": value}, {"x": value}):
        for pattern in BUILTINS.values():
            match = pattern.explain(container)
            assert 0.0 <= match.score <= 1.0
            assert match.name == pattern.name


@pytest.mark.parametrize("requirements", [None, [], "base_url", 7, ExplodingMapping(a=1)])
def test_requirements_that_are_not_a_usable_mapping_score_zero(requirements: Any) -> None:
    for pattern in BUILTINS.values():
        assert pattern.explain(requirements) == PatternMatch(pattern.name, 0.0, ())


def test_keys_that_are_not_strings_carry_no_signal() -> None:
    requirements: Any = {1: "postgresql://db/app", None: {"tables": ["t"]}}
    assert all(m.score == 0.0 for m in score_patterns(requirements, BUILTINS))


def _every_spec() -> list[Any]:
    files = [requirements_of(p.name) for p in sorted(EXAMPLES.glob("*.yaml"))]
    hostile = [{"endpoints": v, "bucket": v, "metrics": v} for v in _hostile_values()]
    return files + [spec for _, spec, _ in TYPICAL_SPECS] + hostile


def test_every_positive_score_has_reasons_and_zero_has_none() -> None:
    for requirements in _every_spec():
        for match in score_patterns(requirements, BUILTINS):
            assert bool(match.reasons) == (match.score > 0), match
