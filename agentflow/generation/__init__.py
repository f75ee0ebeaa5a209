"""Generation: (spec, pattern, settings) to files in memory, never touching disk or metadata.

The orchestrator runs a pattern's subtasks through a backend (templates offline, or a model
provider that enriches them under the guard); rendering holds the one Jinja environment and
its escaping filters; formatting reaches black.
"""
