"""A small block-style YAML writer for the registry's plain data (dicts, lists, str, int, float, bool).

PyYAML's representer is pure Python and dominated the time to save a 1,000-report registry (several seconds);
this writer does the same job for the only shapes `model_dump(mode="json")` produces, in a fraction of that.
Strings stay plain where PyYAML would read them back as the same string, and are JSON-quoted otherwise (a
JSON string is a valid YAML double-quoted scalar). The output is read back with `yaml.safe_load`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
# Conservative: starts with a letter, digit or "(", no character that could start YAML syntax mid-line.
_PLAIN = re.compile(r"[A-Za-z0-9(][^\n\t#\"'`\\]*")
# Characters a YAML stream may not hold raw, and line breaks YAML would fold: escaped inside the quoted form.
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _string(value: str) -> str:
    if (
        _PLAIN.fullmatch(value)
        and value == value.strip()
        and not value.endswith(":")
        and ": " not in value
        and not _NON_PRINTABLE.search(value)
        and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG
    ):
        return value
    quoted = json.dumps(value, ensure_ascii=False)
    return _NON_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) <= 0xFFFF else m.group(), quoted)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        if "." not in text and "e" in text:  # YAML 1.1 floats need a dot: 1e-05 → 1.0e-05
            text = text.replace("e", ".0e", 1)
        return text
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"cannot write {type(value).__name__} to the registry")


def _block(value: dict[str, Any] | list[Any], indent: int, out: list[str]) -> None:
    """Lines for a mapping or list whose entries start at column `indent` (lists under a key are not indented)."""
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{_string(str(key))}:"
            if isinstance(item, dict) and item:
                out.append(head)
                _block(item, indent + 2, out)
            elif isinstance(item, list) and item:
                out.append(head)
                _block(item, indent, out)
            else:
                out.append(f"{head} {_empty_or_scalar(item)}")
        return
    for item in value:
        if isinstance(item, dict) and item:
            start = len(out)
            _block(item, indent + 2, out)
            out[start] = f"{pad}- {out[start][indent + 2 :]}"
        elif isinstance(item, list) and item:
            out.append(f"{pad}-")
            _block(item, indent + 2, out)
        else:
            out.append(f"{pad}- {_empty_or_scalar(item)}")


def _empty_or_scalar(value: Any) -> str:
    if isinstance(value, dict | list):
        return "{}" if isinstance(value, dict) else "[]"
    return _scalar(value)


def dump_yaml(data: dict[str, Any]) -> str:
    out: list[str] = []
    _block(data, 0, out)
    return "\n".join(out) + "\n"
