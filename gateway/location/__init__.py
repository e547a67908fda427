"""Location and duplicate scoring for the intake gateway.

`Locator.load(city_dir).locate(text, point, address)` places a report; the
modules below do one job each: `crs` (datums), `address` (normalization),
`gazetteer` (geocoding), `places` (place phrases in text), `grids` (unit
grids), `exif` (photos), `geocoder` (HTTP provider), `similarity` and `dedup`
(duplicate scoring), `geo` (distances and boxes).
"""

from gateway.location.city import City
from gateway.location.errors import LocationError
from gateway.location.gazetteer import Place
from gateway.location.grids import GridCell
from gateway.location.locator import Location, Locator

__all__ = ["City", "GridCell", "Location", "LocationError", "Locator", "Place"]
