"""One entry point for the pipeline: where is this report, how sure, and in which unit grid."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from gateway.location.city import City
from gateway.location.crs import from_wgs84, to_wgs84, validate
from gateway.location.errors import GeocoderError
from gateway.location.gazetteer import Gazetteer, Place
from gateway.location.geo import haversine_m
from gateway.location.geocoder import HttpGeocoder
from gateway.location.grids import GridCell, GridIndex
from gateway.location.places import PlaceFinder
from gateway.location.complaints import ComplaintSimilarity
from gateway.location.similarity import TextSimilarity

Source = Literal["gps", "address", "text", "photo"]
GPS_PRECISION_M = 20.0
PHOTO_PRECISION_M = 30.0
# Below this confidence a gazetteer match is weak: a sharper place in the text may refine it,
# and the HTTP geocoder is worth asking.
REMOTE_BELOW = 0.5


@dataclass(frozen=True)
class Location:
    """A report's place in WGS-84, how it was found, and its unit grid (None outside every grid)."""

    lat: float
    lon: float
    precision_m: float
    confidence: float
    source: Source
    label: str
    grid: GridCell | None
    phrase: str | None = None

    def in_crs(self, crs: str) -> tuple[float, float]:
        """(lat, lon) in the CRS a platform asks for."""
        return from_wgs84(self.lat, self.lon, crs)


class Locator:
    """Locates reports for one city: explicit point, then address, then photo GPS, then the text.

    A weak address match (only a road's middle, say) yields to the photo, or to
    a sharper place in the text that lies on it.
    """

    def __init__(self, city: City, gazetteer: Gazetteer, grids: GridIndex) -> None:
        self.city = city
        self.gazetteer = gazetteer
        self.grids = grids

    @classmethod
    def load(cls, city_dir: Path) -> Locator:
        """Load city.yaml, the gazetteer and the grids of a city directory."""
        city = City.load(city_dir)
        gazetteer = Gazetteer.load(city.gazetteer_file, admin_names=city.admin_names)
        grids = GridIndex.load(city.grids_file, district=city.district, district_code=city.district_code, crs=city.crs)
        return cls(city, gazetteer, grids)

    def warm_up(self) -> None:
        """Build the jieba tokenizer and similarity now (about 1.5 s), at start-up rather than on a first request."""
        self.similarity("", "")

    @cached_property
    def finder(self) -> PlaceFinder:
        """Place finder for free text (builds its jieba tokenizer on first use)."""
        return PlaceFinder(self.gazetteer)

    @cached_property
    def similarity(self) -> ComplaintSimilarity:
        """Complaint similarity for duplicate scoring: the problems compared without this city's place names (sharing
        the finder's jieba), and the places compared on their own."""
        text = TextSimilarity(ignore=[name for name, _ in self.gazetteer.names()], tokenize=self.finder.tokenizer.lcut)
        return ComplaintSimilarity(self.finder, text)

    def grid_of(self, lat: float, lon: float) -> GridCell | None:
        """Unit grid of a WGS-84 point, or None outside every grid."""
        return self.grids.lookup(lat, lon)

    def _location(self, place: Place, source: Source, phrase: str | None = None, confidence: float | None = None) -> Location:
        return Location(place.lat, place.lon, place.precision_m, place.confidence if confidence is None else confidence,
                        source, place.label, self.grid_of(place.lat, place.lon), phrase)

    def _point(self, lat: float, lon: float, precision_m: float, source: Source) -> Location:
        """A point stays a point: its label says the nearest known place ("" far from all), never its coordinates."""
        return Location(lat, lon, precision_m, 1.0, source, self.describe(lat, lon, "zh") or "", self.grid_of(lat, lon))

    def describe(self, lat: float, lon: float, lang: str) -> str | None:
        """Where a WGS-84 point is, in words of the language: the nearest junction, estate, landmark or road (in
        English by its Latin name), and in Chinese its community; None far from every known place."""
        near = self.gazetteer.nearest(lat, lon)
        if near is None:
            return None
        if lang == "en":
            names = [self.gazetteer.latin.english(name) or name for name in near.names]
            said = f"{names[0]} & {names[1]} junction" if near.kind == "junction" else names[0]
            return said if near.kind == "junction" and near.distance_m < 25 else f"near {said}"
        said = f"{near.names[0]}与{near.names[1]}路口" if near.kind == "junction" else near.names[0]
        cell = self.grid_of(lat, lon)
        where = f"（{cell.street}{cell.community}）" if cell is not None else ""
        return (said if near.kind == "junction" and near.distance_m < 25 else f"{said}附近") + where

    def locate(
        self,
        text: str,
        point: tuple[float, float, str] | None = None,
        address: str | None = None,
        *,
        photo_gps: tuple[float, float] | None = None,
        point_precision_m: float = GPS_PRECISION_M,
    ) -> Location | None:
        """Best location of a report, or None when it stays unknown (a call-centre operator then places it).

        An explicit point that is not a valid coordinate raises LocationError:
        the citizen gave something wrong and should hear so.
        """
        if point is not None:
            lat, lon = to_wgs84(*point)
            return self._point(lat, lon, point_precision_m, "gps")
        typed = self.gazetteer.geocode(address) if address and address.strip() else None
        if typed is not None and typed.confidence >= REMOTE_BELOW:
            return self._location(typed, "address")
        if photo_gps is not None:
            lat, lon = validate(*photo_gps)
            return self._point(lat, lon, PHOTO_PRECISION_M, "photo")
        found = self.finder.find(self.gazetteer.latin.to_chinese(text)) if text else None
        in_text = found.place if found is not None else None
        # A vague address ("人民路") gives way to a sharper place named in the text, if one lies within its reach.
        if typed is not None and not (
            in_text is not None and found is not None and found.confidence > typed.confidence
            and haversine_m(typed.lat, typed.lon, in_text.lat, in_text.lon) <= typed.precision_m
        ):
            return self._location(typed, "address")
        if in_text is not None and found is not None:
            return self._location(in_text, "text", found.phrase, found.confidence)
        return None

    async def locate_remote(
        self,
        geocoder: HttpGeocoder,
        text: str,
        point: tuple[float, float, str] | None = None,
        address: str | None = None,
        *,
        photo_gps: tuple[float, float] | None = None,
    ) -> Location | None:
        """Like `locate`, asking the HTTP geocoder when the gazetteer finds nothing sure.

        A failing geocoder is treated as "no answer": the local result stands.
        """
        local = self.locate(text, point, address, photo_gps=photo_gps)
        if local is not None and (local.source in ("gps", "photo") or local.confidence >= REMOTE_BELOW):
            return local
        source: Source = "address" if address and address.strip() else "text"
        if source == "address":
            query: str | None = address.strip() if address else None
        else:
            found = self.finder.find(text) if text else None
            query = found.phrase if found else None
        if not query:
            return local
        try:
            place = await geocoder.geocode(query)
        except GeocoderError:
            return local
        if place is None or (local is not None and local.confidence >= place.confidence):
            return local
        return self._location(place, source, query if source == "text" else None)
