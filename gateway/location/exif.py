"""Uploaded photos: check they are real images, read EXIF GPS, re-encode without any metadata.

Only JPEG, PNG and WebP are accepted. The EXIF orientation is applied to the
pixels, then the image is encoded afresh with no EXIF, XMP, ICC profile or text
chunks, so nothing about the device or the citizen travels on. Animated images
keep their first frame.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any, Final

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from gateway.location.crs import validate
from gateway.location.errors import LocationError, PhotoError

MAX_PIXELS: Final = 40_000_000
_SIGNATURES: Final = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
)
_MIME: Final = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_SAVE_OPTIONS: Final[dict[str, dict[str, Any]]] = {
    "JPEG": {"quality": 90},
    "PNG": {},
    "WEBP": {"quality": 90},
}


@dataclass(frozen=True)
class Photo:
    """A cleaned photo: re-encoded bytes without metadata, and the GPS point it carried, if any."""

    data: bytes
    format: str
    mime: str
    width: int
    height: int
    gps: tuple[float, float] | None


def sniff(data: bytes) -> str | None:
    """Image format from the leading bytes: 'JPEG', 'PNG', 'WEBP' or None."""
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _degrees(dms: Any, ref: Any, negative: str) -> float:
    """Degrees from an EXIF (deg, min, sec) rational triple and its hemisphere letter."""
    d, m, s = (float(x) for x in dms)
    value = d + m / 60.0 + s / 3600.0
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    return -value if str(ref).strip().upper() == negative else value


def gps_of(image: Image.Image) -> tuple[float, float] | None:
    """WGS-84 (lat, lon) from an image's EXIF GPS block; None when absent, null or unreadable."""
    gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    tags = ExifTags.GPS
    if not gps or tags.GPSLatitude not in gps or tags.GPSLongitude not in gps:
        return None
    try:
        lat = _degrees(gps[tags.GPSLatitude], gps.get(tags.GPSLatitudeRef, "N"), "S")
        lon = _degrees(gps[tags.GPSLongitude], gps.get(tags.GPSLongitudeRef, "E"), "W")
        lat, lon = validate(lat, lon)
    except (TypeError, ValueError, ZeroDivisionError, LocationError):
        return None
    if lat == 0.0 and lon == 0.0:  # "null island": a receiver without a fix
        return None
    return lat, lon


def _open(data: bytes, expected: str, max_pixels: int) -> Image.Image:
    """Open, check format and size, verify structure, and decode the first frame."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format != expected:
                raise PhotoError("image_format_mismatch", expected=expected, found=probe.format)
            if probe.width * probe.height > max_pixels:
                raise PhotoError("image_too_large", width=probe.width, height=probe.height, max_pixels=max_pixels)
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise PhotoError("image_corrupt", reason=type(exc).__name__) from None
    return image


def _strip(image: Image.Image) -> Image.Image:
    """Pixels with orientation applied and no metadata but transparency."""
    upright = ImageOps.exif_transpose(image) or image
    clean = upright.copy()
    transparency = upright.info.get("transparency")
    clean.info.clear()
    if transparency is not None:
        clean.info["transparency"] = transparency
    return clean


def read_photo(data: bytes, max_pixels: int = MAX_PIXELS) -> Photo:
    """Validate an upload, extract its GPS point and return it re-encoded without metadata."""
    if not data:
        raise PhotoError("image_empty")
    fmt = sniff(data)
    if fmt is None:
        raise PhotoError("image_unsupported_format")
    image = _open(data, fmt, max_pixels)
    gps = gps_of(image)
    clean = _strip(image)
    if fmt == "JPEG" and clean.mode not in ("RGB", "L", "CMYK"):
        clean = clean.convert("RGB")
    out = io.BytesIO()
    clean.save(out, format=fmt, **_SAVE_OPTIONS[fmt])
    return Photo(out.getvalue(), fmt, _MIME[fmt], clean.width, clean.height, gps)
