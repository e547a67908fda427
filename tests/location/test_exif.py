"""Photos: real-image checks, EXIF GPS, and metadata stripped with orientation kept."""

from __future__ import annotations

import io
from fractions import Fraction

import pytest
from PIL import ExifTags, Image, PngImagePlugin

from gateway.location.errors import PhotoError
from gateway.location.exif import read_photo, sniff

GPS = ExifTags.GPS


def dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    deg = int(value)
    minutes_f = (value - deg) * 60
    minutes = int(minutes_f)
    seconds = Fraction(round((minutes_f - minutes) * 60 * 10000), 10000)
    return Fraction(deg), Fraction(minutes), seconds


def exif_with(lat: float | None = None, lon: float | None = None, orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "ExampleCam"
    exif[ExifTags.Base.Model] = "X-1 serial 12345"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if lat is not None and lon is not None:
        exif[ExifTags.IFD.GPSInfo] = {
            GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
            GPS.GPSLatitude: dms(abs(lat)),
            GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
            GPS.GPSLongitude: dms(abs(lon)),
            GPS.GPSMapDatum: "WGS-84",
        }
    return exif


def picture(fmt: str, exif: Image.Exif | None = None, size: tuple[int, int] = (40, 20)) -> bytes:
    """A two-colour image: red left half, blue right half, so rotation is visible."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    kwargs: dict[str, object] = {}
    if exif is not None:
        kwargs["exif"] = exif
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "taken at home of Mr Wang")
        kwargs["pnginfo"] = info
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_gps_is_read_and_every_metadata_is_removed(fmt: str) -> None:
    data = picture(fmt, exif_with(31.3155, 120.6150))
    assert b"ExampleCam" in data
    photo = read_photo(data)
    assert photo.format == fmt and photo.mime == f"image/{fmt.lower()}"
    assert photo.gps is not None
    assert photo.gps == pytest.approx((31.3155, 120.6150), abs=1e-6)
    assert b"ExampleCam" not in photo.data and b"Exif" not in photo.data and b"Mr Wang" not in photo.data
    cleaned = Image.open(io.BytesIO(photo.data))
    assert len(cleaned.getexif()) == 0
    assert "icc_profile" not in cleaned.info and "xmp" not in cleaned.info
    assert read_photo(photo.data).gps is None


def test_southern_and_western_hemispheres_are_negative() -> None:
    photo = read_photo(picture("JPEG", exif_with(-33.8568, -70.6483)))
    assert photo.gps == pytest.approx((-33.8568, -70.6483), abs=1e-6)


def test_orientation_is_applied_to_the_pixels() -> None:
    photo = read_photo(picture("JPEG", exif_with(orientation=6)))  # 6: rotate 90° clockwise to view
    assert (photo.width, photo.height) == (20, 40)
    cleaned = Image.open(io.BytesIO(photo.data)).convert("RGB")
    top, bottom = cleaned.getpixel((10, 5)), cleaned.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60  # red half now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_photo_without_gps() -> None:
    photo = read_photo(picture("PNG"))
    assert photo.gps is None and photo.width == 40


def test_null_island_and_impossible_gps_are_ignored() -> None:
    assert read_photo(picture("JPEG", exif_with(0.0, 0.0))).gps is None
    exif = exif_with(31.3, 120.6)
    exif[ExifTags.IFD.GPSInfo][GPS.GPSLatitude] = (Fraction(95), Fraction(0), Fraction(0))
    assert read_photo(picture("JPEG", exif)).gps is None


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "image_empty"),
        (b"GIF89a" + b"\x00" * 40, "image_unsupported_format"),
        (b"%PDF-1.7 not an image", "image_unsupported_format"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image_corrupt"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "image_corrupt"),
    ],
)
def test_not_a_real_image_is_refused(data: bytes, code: str) -> None:
    with pytest.raises(PhotoError) as info:
        read_photo(data)
    assert info.value.code == code


def test_truncated_jpeg_is_refused() -> None:
    data = picture("JPEG", size=(200, 200))
    with pytest.raises(PhotoError) as info:
        read_photo(data[: len(data) // 2])
    assert info.value.code == "image_corrupt"


def test_extension_lies_are_caught_by_content() -> None:
    assert sniff(picture("PNG")) == "PNG" and sniff(picture("WEBP")) == "WEBP"


def test_oversized_image_is_refused() -> None:
    with pytest.raises(PhotoError) as info:
        read_photo(picture("PNG", size=(100, 100)), max_pixels=5000)
    assert info.value.code == "image_too_large"
