"""The schema language patterns share: a JSON Schema subset, its pydantic models, samples.

The api pattern types responses and bodies with it, the message_queue pattern messages; a
third-party pattern may use it too. Part of the plugin surface, like `signals`.
"""

from agentflow.patterns.schemas.language import (
    MAX_DEPTH,
    MAX_SCHEMAS,
    REF_PREFIXES,
    Schema,
    SchemaType,
    check_schema_name,
    spec_error,
)
from agentflow.patterns.schemas.models import FieldView, ModelView, SchemaTypes, is_model_schema
from agentflow.patterns.schemas.samples import sample

__all__ = [
    "MAX_DEPTH",
    "MAX_SCHEMAS",
    "REF_PREFIXES",
    "FieldView",
    "ModelView",
    "Schema",
    "SchemaType",
    "SchemaTypes",
    "check_schema_name",
    "is_model_schema",
    "sample",
    "spec_error",
]
