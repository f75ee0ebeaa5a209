"""The auth pattern: recognised and scored; generation comes in a later version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentflow.patterns import IntegrationPattern, PatternMatch
from agentflow.patterns.signals import KeySignal, Scorecard, SpecView, is_collection

_DISCOVERY = ".well-known/openid-configuration"
_PROTOCOLS = frozenset({"oauth2", "oauth", "oidc", "openid_connect", "openid-connect", "saml"})
_PROTOCOL_KEYS = ("type", "protocol", "provider", "flow", "kind")
_KEY_SIGNALS = (
    KeySignal(("oauth", "oauth2"), 0.35, "OAuth2 settings"),
    KeySignal(("token_url", "token_endpoint"), 0.35, "an OAuth2 token endpoint"),
    KeySignal(
        ("authorize_url", "authorization_url", "authorization_endpoint"),
        0.3,
        "an OAuth2 authorization endpoint",
    ),
    KeySignal(("issuer",), 0.25, "a token issuer"),
    KeySignal(("jwks_uri", "jwks_url"), 0.3, "a JSON Web Key Set"),
    KeySignal(("client_id",), 0.15, "an OAuth2 client"),
    KeySignal(("client_secret_env", "client_secret"), 0.15, "an OAuth2 client secret"),
    KeySignal(("grant_type", "grant_types"), 0.25, "OAuth2 grant types"),
    KeySignal(("scopes",), 0.1, "token scopes"),
    KeySignal(("oidc", "openid_connect"), 0.35, "OpenID Connect settings"),
    KeySignal(("saml",), 0.35, "SAML settings"),
    KeySignal(("redirect_uri", "redirect_uris"), 0.2, "OAuth2 redirect URIs"),
    KeySignal(("userinfo_endpoint", "userinfo_url"), 0.2, "an OIDC userinfo endpoint"),
)


class AuthPattern(IntegrationPattern):
    """Auth providers (OAuth2 token endpoints, OIDC)."""

    name = "auth"
    description = "Auth providers (OAuth2 token endpoints, OIDC)"
    available = False

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        """Score by OAuth2/OIDC/SAML endpoints and settings; HTTP operations count against."""
        view = SpecView(requirements)
        card = Scorecard(self.name)
        card.add_keys(view, _KEY_SIGNALS)
        for text in view.texts:
            if _DISCOVERY in text.text.lower():
                reason = f"{text.path} is an OpenID Connect discovery document"
                card.add(0.4, reason, level=text.level)
                break
        card.add_word(view, _PROTOCOL_KEYS, _PROTOCOLS, "{path} names the {word} protocol")
        _count_against_operations(view, card)
        return card.match()


def _count_against_operations(view: SpecView, card: Scorecard) -> None:
    """Top-level `endpoints` describe an API that uses auth, not an auth provider."""
    endpoints = view.find(("endpoints",), is_collection)
    if endpoints is not None and endpoints.level == 0 and card.total > 0:
        card.add(-0.3, "endpoints lists HTTP operations: an API that uses auth (counts against)")
