"""The seed guide's import path for the runtime helpers; they live in `agentflow.runtime`."""

from agentflow.runtime import *  # noqa: F403
from agentflow.runtime import __all__ as __all__
