"""Errors of the location package: a machine code and parameters, no prose for people."""

from __future__ import annotations

from typing import Any


class LocationError(ValueError):
    """A location input the gateway must refuse; `code` keys the bilingual message catalogue."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        detail = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()))
        super().__init__(f"{code}({detail})" if detail else code)


class GridError(LocationError):
    """A grid file that cannot be trusted (invalid polygon, bad code, overlap)."""


class GazetteerError(LocationError):
    """A gazetteer or city file that cannot be loaded."""


class PhotoError(LocationError):
    """An upload that is not a supported, decodable image."""


class GeocoderError(LocationError):
    """The HTTP geocoder failed (timeout, HTTP status, malformed answer)."""


class DedupError(LocationError):
    """A duplicate policy outside its allowed range."""
