"""Ship validated packages: build a wheel and an sdist, publish them, record it, roll back.

    deploy_package(dir, "dist:PATH")       wheel + sdist of the live version in PATH
    deploy_package(dir, "index:PATH")      a PEP 503 "simple" index folder
    deploy_package(dir, parse_target("project:PATH", into="src/vendor"))
                                           the package folder copied inside a project

Every target keeps its history, lock and every deployed version in `.agentflow-deploy/`.
"""

from agentflow.deploy.core import DeployResult, deploy_package, list_deployments, rollback
from agentflow.deploy.history import DeploymentRecord
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
