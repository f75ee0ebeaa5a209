"""agentflow: generate integration packages from a short YAML requirements file."""

__version__ = "0.1.0"

__all__ = ["__version__"]
