"""A small JSON Patch (RFC 6902: ``add``, ``replace``, ``remove``, ``test``) over plain JSON
values, used to state a policy change for a what-if replay (docs/prices.md, "What-if"):

    [{"op": "replace", "path": "/policy/benefits/0/bands/0/ratio/in_service/3", "value": "0.90"}]

The document is never changed: ``apply`` returns a patched copy. A path that does not exist
(except the last step of ``add``) is a ``PatchError`` naming the operation.
"""

from __future__ import annotations

import copy
from typing import Any


class PatchError(ValueError):
    pass


def _steps(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"path {pointer!r} must start with '/'")
    return [step.replace("~1", "/").replace("~0", "~") for step in pointer[1:].split("/")]


def _child(container: Any, step: str, pointer: str) -> Any:
    if isinstance(container, dict) and step in container:
        return container[step]
    if isinstance(container, list) and step.isdigit() and int(step) < len(container):
        return container[int(step)]
    raise PatchError(f"path {pointer!r} does not exist")


def _apply_one(document: Any, operation: dict, index: int) -> Any:
    op, pointer = operation.get("op"), operation.get("path")
    if op not in ("add", "replace", "remove", "test") or not isinstance(pointer, str):
        raise PatchError(f"operation {index}: op must be add, replace, remove or test, with a path")
    steps = _steps(pointer)
    if not steps:
        if op in ("add", "replace"):
            return copy.deepcopy(operation["value"])
        raise PatchError(f"operation {index}: cannot {op} the whole document")
    parent = document
    for step in steps[:-1]:
        parent = _child(parent, step, pointer)
    last = steps[-1]
    if op == "test":
        if _child(parent, last, pointer) != operation.get("value"):
            raise PatchError(f"operation {index}: test failed at {pointer!r}")
        return document
    if op != "add":
        _child(parent, last, pointer)  # replace and remove need the target to exist
    _set(parent, last, op, operation.get("value"), pointer)
    return document


def _set(parent: Any, last: str, op: str, value: Any, pointer: str) -> None:
    if isinstance(parent, dict):
        if op == "remove":
            del parent[last]
        else:
            parent[last] = copy.deepcopy(value)
        return
    if not isinstance(parent, list):
        raise PatchError(f"path {pointer!r} does not name a member of an object or array")
    if last == "-" and op == "add":
        parent.append(copy.deepcopy(value))
    elif not last.isdigit() or int(last) > len(parent):
        raise PatchError(f"path {pointer!r} does not exist")
    elif op == "add":
        parent.insert(int(last), copy.deepcopy(value))
    elif op == "remove":
        del parent[int(last)]
    else:
        parent[int(last)] = copy.deepcopy(value)


def apply(document: Any, patch: list[dict]) -> Any:
    """The document with every operation applied in order (all or nothing)."""
    if not isinstance(patch, list):
        raise PatchError("a patch is a JSON array of operations")
    patched = copy.deepcopy(document)
    for index, operation in enumerate(patch):
        if not isinstance(operation, dict):
            raise PatchError(f"operation {index} is not an object")
        patched = _apply_one(patched, operation, index)
    return patched
