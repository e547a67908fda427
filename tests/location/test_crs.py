"""Datum conversions: reference points, round trips, identity outside China, bad input."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.location.crs import convert, from_wgs84, in_china, normalize_crs, to_wgs84
from gateway.location.errors import LocationError
from gateway.location.geo import haversine_m

# Reference points published with two open-source implementations:
# - googollee/eviltransform, python test suite (TESTS): WGS-84 -> GCJ-02 for
#   Shanghai, Shenzhen and Beijing (wgsLat, wgsLng, gcjLat, gcjLng).
# - wandergis/coordtransform, test/app.js: for the input (116.404, 39.915)
#   gcj02tobd09 -> (116.41036949371029, 39.92133699351021) and
#   wgs84togcj02 -> (116.41024449916938, 39.91640428150164) (lng, lat order there).
EVILTRANSFORM_WGS_GCJ = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]
CHINA_LAT = st.floats(min_value=18.0, max_value=53.0)
CHINA_LON = st.floats(min_value=74.0, max_value=134.0)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVILTRANSFORM_WGS_GCJ)
def test_wgs_to_gcj_matches_published_points(wlat: float, wlon: float, glat: float, glon: float) -> None:
    lat, lon = from_wgs84(wlat, wlon, "gcj02")
    assert lat == pytest.approx(glat, abs=1e-9)
    assert lon == pytest.approx(glon, abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVILTRANSFORM_WGS_GCJ)
def test_gcj_to_wgs_inverts_published_points(wlat: float, wlon: float, glat: float, glon: float) -> None:
    lat, lon = to_wgs84(glat, glon, "GCJ-02")
    assert haversine_m(lat, lon, wlat, wlon) < 0.01


def test_coordtransform_reference_point() -> None:
    assert convert(39.915, 116.404, "gcj02", "bd09") == pytest.approx((39.92133699351021, 116.41036949371029), abs=1e-9)
    assert from_wgs84(39.915, 116.404, "amap") == pytest.approx((39.91640428150164, 116.41024449916938), abs=1e-9)


def test_bd_to_gcj_agrees_with_closed_form_within_a_metre() -> None:
    # coordtransform's closed-form bd09togcj02(116.404, 39.915) is itself approximate.
    lat, lon = convert(39.915, 116.404, "bd09", "gcj02")
    assert haversine_m(lat, lon, 39.90865673957631, 116.39762729119315) < 1.0


def test_beijing_railway_station_in_gcj_and_bd_is_one_place() -> None:
    # Beijing railway station as published (5 decimals) in the documentation of the
    # R function bd2gcj: GCJ-02 (39.90245, 116.42703), BD-09 (39.90851, 116.43351).
    from_gcj = to_wgs84(39.90245, 116.42703, "gcj02")
    from_bd = to_wgs84(39.90851, 116.43351, "baidu")
    assert haversine_m(*from_gcj, *from_bd) < 2.0


@settings(max_examples=300, deadline=None)
@given(lat=CHINA_LAT, lon=CHINA_LON, crs=st.sampled_from(["gcj02", "bd09", "wgs84", "cgcs2000"]))
def test_round_trip_inside_china_is_within_a_centimetre(lat: float, lon: float, crs: str) -> None:
    back = to_wgs84(*from_wgs84(lat, lon, crs), crs)
    assert haversine_m(lat, lon, *back) < 0.01


@settings(max_examples=300, deadline=None)
@given(lat=CHINA_LAT, lon=CHINA_LON)
def test_shift_inside_china_is_real(lat: float, lon: float) -> None:
    shifted = from_wgs84(lat, lon, "bd09")
    assert 50.0 < haversine_m(lat, lon, *shifted) < 2000.0


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(min_value=-90, max_value=90),
    lon=st.floats(min_value=-180, max_value=180),
    crs=st.sampled_from(["gcj02", "bd09", "wgs84", "EPSG:4490"]),
)
def test_identity_outside_china(lat: float, lon: float, crs: str) -> None:
    if in_china(lat, lon):
        return
    assert from_wgs84(lat, lon, crs) == (lat, lon)
    assert to_wgs84(lat, lon, crs) == (lat, lon)


def test_cgcs2000_is_taken_as_wgs84() -> None:
    assert to_wgs84(31.3, 120.62, "EPSG:4490") == (31.3, 120.62)


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [
        (91.0, 120.0, "lat_out_of_range"),
        (-90.5, 120.0, "lat_out_of_range"),
        (31.0, 181.0, "lon_out_of_range"),
        (math.nan, 120.0, "lat_not_finite"),
        (31.0, math.inf, "lon_not_finite"),
        ("north", 120.0, "coordinate_not_a_number"),
    ],
)
def test_bad_coordinates_raise_coded_errors(lat: object, lon: object, code: str) -> None:
    with pytest.raises(LocationError) as info:
        to_wgs84(lat, lon, "wgs84")  # type: ignore[arg-type]
    assert info.value.code == code


def test_unknown_crs_is_refused() -> None:
    with pytest.raises(LocationError) as info:
        normalize_crs("EPSG:3857")
    assert info.value.code == "unknown_crs"
    assert info.value.params == {"crs": "EPSG:3857"}


def test_crs_names_are_case_insensitive() -> None:
    assert normalize_crs(" BD09 ") == "bd09"
    assert normalize_crs("epsg:4326") == "wgs84"
