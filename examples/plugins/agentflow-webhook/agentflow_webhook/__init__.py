"""agentflow pattern plugin: signature-verifying webhook receivers."""

from agentflow_webhook.pattern import WebhookPattern, WebhookRequirements

__all__ = ["WebhookPattern", "WebhookRequirements"]
