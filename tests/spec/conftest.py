"""Shared set-up of the requirements tests: which YAML parser reads the text."""

from __future__ import annotations

import pytest
import yaml

from agentflow.spec import yaml_compose


@pytest.fixture(params=["libyaml", "python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test twice: with libyaml's events (the default), and with PyYAML's pure-Python
    parser alone (what reads invalid files, and every file where PyYAML lacks libyaml)."""
    if request.param == "python":
        monkeypatch.setattr(yaml_compose, "_LOADERS", (yaml_compose._PythonLoader,))
    elif not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml")
    return str(request.param)
