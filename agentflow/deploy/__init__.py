"""Ship validated packages: build a wheel and an sdist, publish them, record it, roll back.

    deploy_package(dir, "dist:PATH")       wheel + sdist of the live version in PATH
    deploy_package(dir, "index:PATH")      a PEP 503 "simple" index folder
    deploy_package(dir, parse_target("project:PATH", into="src/vendor"))
                                           the package folder copied inside a project

Every target keeps its history, lock and every deployed version in `.agentflow-deploy/`.
A deploy reads the package folder once, into a private copy without hidden files; that copy
is scanned for secrets, validated, built, stored and published, so what ships is exactly what
was validated. The history and the store are read back as untrusted input: every record is
checked, and stored bytes are checked against their recorded SHA-256s before they are
published again.
"""

from agentflow.deploy.core import DeployResult, deploy_package, list_deployments, rollback
from agentflow.deploy.record import DeploymentRecord
from agentflow.deploy.targets import STATE_DIR, TARGET_KINDS, Target, parse_target

__all__ = [
    "STATE_DIR",
    "TARGET_KINDS",
    "DeployResult",
    "DeploymentRecord",
    "Target",
    "deploy_package",
    "list_deployments",
    "parse_target",
    "rollback",
]
