"""Load a requirements file into a validated `IntegrationSpec`, or explain what is wrong.

Every problem becomes a `Diagnostic` naming the file, line, column and field path
(`requirements.endpoints[1].method`) in the user's words: pydantic's messages are rewritten,
an unknown key comes with the nearest valid key, and no traceback or Python internals leak.
The `type:` value is not checked here: the pattern registry, which knows the valid types,
does that.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import types
from collections import abc
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from agentflow.errors import Diagnostic, SpecError
from agentflow.spec.models import IntegrationSpec
from agentflow.spec.yaml_source import (
    MAX_FILE_BYTES,
    FieldPath,
    YamlDocument,
    format_path,
    parse_yaml,
)

__all__ = ["SpecDocument", "load_spec", "parse_spec"]

ModelT = TypeVar("ModelT", bound=BaseModel)

_EXPECTED = {  # pydantic error type → what the user should have written
    kind: words
    for words, kinds in {
        "text": "string_type",
        "a whole number": "int_type int_parsing int_from_float",
        "a number": "float_type float_parsing",
        "true or false": "bool_type bool_parsing",
        "a mapping": "dict_type model_type model_attributes_type",
        "a list": "list_type tuple_type set_type",
    }.items()
    for kind in kinds.split()
}
_BOUNDS = {
    "greater_than": ("gt", "greater than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}
_SEQUENCES = (list, tuple, set, frozenset, abc.Sequence, abc.Set)
_MAPPINGS = (dict, abc.Mapping)


@dataclass(frozen=True)
class SpecDocument:
    """A loaded requirements file: the validated envelope and where each value came from."""

    spec: IntegrationSpec
    document: YamlDocument
    path: Path | None
    input_sha256: str

    def validate_requirements(self, model: type[ModelT]) -> ModelT:
        """`spec.requirements` validated by a pattern's model, with located diagnostics."""
        try:
            return model.model_validate(self.spec.requirements)
        except ValidationError as exc:
            raise _invalid(self.document, exc, model, ("requirements",)) from exc


def load_spec(path: str | os.PathLike[str]) -> SpecDocument:
    """Read and validate the requirements file at `path`; raise `SpecError` if it is bad."""
    file = Path(path)
    return _build(_read(file), source=str(file), path=file)


def parse_spec(text: str | bytes, *, source: str) -> SpecDocument:
    """Validate requirements given as text; `source` names them in diagnostics."""
    return _build(text, source=source, path=None)


def _build(raw: str | bytes, *, source: str, path: Path | None) -> SpecDocument:
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    document = parse_yaml(raw, source=source)
    try:
        spec = IntegrationSpec.model_validate(document.data)
    except ValidationError as exc:
        raise _invalid(document, exc, IntegrationSpec, ()) from exc
    return SpecDocument(spec, document, path, hashlib.sha256(data).hexdigest())


def _read(file: Path) -> bytes:
    """The file's bytes (at most one over the size limit), or a `SpecError` saying why not."""
    try:
        if file.is_dir():
            _unreadable(file, "is a directory", "pass the path of a requirements YAML file")
        if not file.exists():
            _unreadable(file, "no such file", "check the path; examples/github.yaml shows one")
        if not file.is_file():
            _unreadable(file, "is not a regular file", "pass a requirements YAML file")
        with file.open("rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except PermissionError:
        _unreadable(file, "permission denied", "make the file readable")
    except OSError as exc:
        _unreadable(file, exc.strerror or "cannot be read", "check the path")


def _unreadable(file: Path, problem: str, hint: str) -> NoReturn:
    diagnostic = Diagnostic(problem, file=str(file), hint=hint)
    raise SpecError(f"cannot read requirements file {file}", diagnostics=(diagnostic,))


def _invalid(
    document: YamlDocument, exc: ValidationError, model: type[BaseModel], prefix: FieldPath
) -> SpecError:
    """One located diagnostic per pydantic error, sorted by line."""
    data = _at(document.data, prefix)
    errors = _without_consequences(exc.errors(include_url=False))
    found = [_diagnostic(document, error, model, prefix, data) for error in errors]
    ordered = sorted(dict.fromkeys(found), key=lambda d: (d.line or 0, d.column or 0))
    return SpecError(
        f"{document.source} is not a valid requirements file", diagnostics=tuple(ordered)
    )


def _without_consequences(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Drop errors that only echo another: a list too short because its items failed, a
    required key reported missing because it was misspelt next to it."""
    return [error for error in errors if not any(_echoes(error, other) for other in errors)]


def _echoes(error: ErrorDetails, other: ErrorDetails) -> bool:
    loc, other_loc = error["loc"], other["loc"]
    if error["type"] == "too_short":
        return len(other_loc) > len(loc) and other_loc[: len(loc)] == loc
    if error["type"] == "missing" and other["type"] == "extra_forbidden":
        same_parent = len(loc) == len(other_loc) and loc[:-1] == other_loc[:-1]
        return same_parent and bool(_suggest(str(other_loc[-1]), [str(loc[-1])]))
    return False


def _diagnostic(
    document: YamlDocument,
    error: ErrorDetails,
    model: type[BaseModel],
    prefix: FieldPath,
    data: Any,
) -> Diagnostic:
    loc = tuple(error["loc"])
    item = error.get("ctx", {}).get("item_index")
    if isinstance(item, int):
        loc += (item,)
    path = prefix + _data_path(loc, data)
    line, column = document.locate(path, value=error["type"] != "extra_forbidden")
    message, hint = _explain(error, model, loc)
    field = format_path(path) or None
    return Diagnostic(message, document.source, line, column, field, hint)


def _at(data: Any, path: FieldPath) -> Any:
    """The value at `path`; an empty mapping where nothing was written."""
    for part in path:
        data = data[part] if _has(data, part) else {}
    return data


def _has(data: Any, part: str | int) -> bool:
    if isinstance(data, list):
        return isinstance(part, int) and 0 <= part < len(data)
    return isinstance(data, dict) and part in data


def _data_path(loc: tuple[int | str, ...], data: Any) -> FieldPath:
    """The keys the user wrote for a pydantic location.

    Union tags are skipped; a flat shorthand (`auth_type`) stands for its nested field
    (`auth.type`); a location inside a short form (`rate_limit: 0`) stops at that value.
    """
    path: list[str | int] = []
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if _has(data, part):
            data = data[part]
        elif isinstance(data, dict) and parts and f"{part}_{parts[0]}" in data:
            part = f"{part}_{parts.pop(0)}"
            data = data[part]
        elif isinstance(data, dict) and not parts:
            data = None  # a missing key: name it; nothing lies below
        elif isinstance(data, dict | list):
            continue
        else:
            break
        path.append(part)
    return tuple(path)


def _explain(
    error: ErrorDetails, model: type[BaseModel], loc: tuple[Any, ...]
) -> tuple[str, str | None]:
    """A human message and hint for one pydantic error.

    A model's own error (`PydanticCustomError`) may carry its hint in the context, as `hint`.
    """
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx", {})
    if kind == "extra_forbidden":
        return f"unknown key {loc[-1]!r}", _key_hint(str(loc[-1]), _valid_keys(model, loc[:-1]))
    if kind == "missing":
        return f"missing required key {loc[-1]!r}", None
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = _suggest(value, allowed) if isinstance(value, str) else None
        return f"expected one of {ctx.get('expected')}, got {_describe(value)}", hint
    if kind in _EXPECTED:
        hint = None
        if kind == "string_type" and isinstance(value, int | float):
            hint = "write it in quotes so YAML keeps it as text"
        return f"expected {_EXPECTED[kind]}, got {_describe(value)}", hint
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"must be {words} {_number(ctx.get(key))}, got {_describe(value)}", None
    return _size_message(kind, ctx) or _strip_prefix(error["msg"]), ctx.get("hint")


def _size_message(kind: str, ctx: dict[str, Any]) -> str | None:
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s), got {ctx.get('actual_length')}"
    if kind == "too_long":
        return f"allows at most {ctx.get('max_length')} item(s), got {ctx.get('actual_length')}"
    if kind == "string_too_short":
        minimum = ctx.get("min_length")
        return "must not be empty" if minimum == 1 else f"needs at least {minimum} characters"
    if kind == "string_too_long":
        return f"allows at most {ctx.get('max_length')} characters"
    return None


def _strip_prefix(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def _key_hint(key: str, valid: list[str]) -> str | None:
    if not valid:
        return None
    return _suggest(key, valid) or f"valid keys: {', '.join(sorted(valid))}"


def _suggest(word: str, choices: list[str]) -> str | None:
    """'did you mean …?' for the closest choice, ignoring case."""
    lowered = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f"did you mean {lowered[close[0]]!r}?" if close else None


def _valid_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys accepted at `loc`: fields (by alias) of every model that can sit there."""
    keys: set[str] = set()
    for found in _models_at(model, loc):
        keys.update(getattr(found, "SHORTHAND_KEYS", ()))
        for name, info in found.model_fields.items():
            keys.add(info.alias or name)
            config = found.model_config
            if config.get("populate_by_name") or config.get("validate_by_name"):
                keys.add(name)
    return sorted(keys)


def _models_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[type[BaseModel]]:
    candidates: list[Any] = [model]
    for part in loc:
        candidates = _expand(candidates)
        if any(_is_model(kind) and part == kind.__name__ for kind in candidates):
            continue  # a union member's tag: keep every member, whose keys all apply
        candidates = [step for kind in candidates for step in _step(kind, part)]
    return [kind for kind in _expand(candidates) if _is_model(kind)]


def _expand(kinds: list[Any]) -> list[Any]:
    """Types with Annotated, Optional and Union unwrapped."""
    result: list[Any] = []
    for kind in kinds:
        origin = get_origin(kind)
        if origin is Annotated:
            result.extend(_expand([get_args(kind)[0]]))
        elif origin in (Union, types.UnionType):
            result.extend(_expand(list(get_args(kind))))
        else:
            result.append(kind)
    return result


def _step(kind: Any, part: Any) -> list[Any]:
    """The types one location step below `kind`: a field, an item or a mapping value."""
    origin, args = get_origin(kind), get_args(kind)
    if _is_model(kind) and isinstance(part, str):
        for name, info in kind.model_fields.items():
            if part in (name, info.alias):
                return [info.annotation]
        return []
    if origin in _SEQUENCES and isinstance(part, int) and args:
        if origin is tuple and args[-1] is not Ellipsis:
            return [args[part]] if part < len(args) else []
        return [args[0]]
    if origin in _MAPPINGS and len(args) == 2:
        return [args[1]]
    return []


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _describe(value: Any) -> str:
    """A value as the user wrote it; never the repr of an internal object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, list | tuple):
        return "a list"
    return "a mapping" if isinstance(value, dict) else "a value of another kind"


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
