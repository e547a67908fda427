"""GeoReport v2 bodies as JSON or XML, and errors in the spec's format."""
from __future__ import annotations

import json
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from aiohttp import web

CONTAINERS = {"services": "service", "service_requests": "request", "service_request_updates": "request_update", "errors": "error"}


def _fill(parent: Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, list):
                holder = SubElement(parent, key)
                for element in item:
                    _fill(SubElement(holder, key.rstrip("s") or key), element)
            else:
                _fill(SubElement(parent, key), item)
    elif value is not None:
        parent.text = str(value).lower() if isinstance(value, bool) else str(value)


def to_xml(root: str, items: Any) -> bytes:
    """A list under its container element (<services><service>…), or a single object as the root."""
    element = Element(root)
    if isinstance(items, list):
        for item in items:
            _fill(SubElement(element, CONTAINERS[root]), item)
    else:
        _fill(element, items)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(element, encoding="utf-8")


def respond(fmt: str, root: str, body: Any, status: int = 200) -> web.Response:
    if fmt == "xml":
        return web.Response(body=to_xml(root, body), status=status, content_type="text/xml", charset="utf-8")
    return web.Response(text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")


def error(fmt: str, status: int, description: str) -> web.Response:
    return respond(fmt, "errors", [{"code": status, "description": description}], status)
