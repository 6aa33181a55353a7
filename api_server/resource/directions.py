"""Directions: steps along the geodesic (WGS84, GeographicLib) between two places.

Each leg follows the great-circle route with its true heading; waypoints name the
nearest known place, so the steps read like a route rather than a formula.
"""

from __future__ import annotations

from geographiclib.geodesic import Geodesic

from .gazetteer import Gazetteer, Place

COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")
MAX_LEGS = 8
MIN_LEG_METRES = 25_000


def compass(azimuth: float) -> str:
    return COMPASS[round((azimuth % 360) / 45) % 8]


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres < 100_000 else f"{metres / 1000:.0f} km"


def directions(g: Gazetteer, origin: Place, destination: Place) -> list[dict]:
    line = Geodesic.WGS84.InverseLine(
        origin.lat,
        origin.lng,
        destination.lat,
        destination.lng,
        Geodesic.STANDARD | Geodesic.DISTANCE_IN,
    )
    total = line.s13
    if total < 1:
        return [
            {
                "step": 1,
                "action": f"You are already at {destination.name}",
                "distance_m": 0,
                "heading_deg": 0.0,
                "heading": "north",
                "lat": destination.lat,
                "lng": destination.lng,
            }
        ]
    legs = max(1, min(MAX_LEGS, int(total // MIN_LEG_METRES)))
    leg = total / legs
    steps = []
    for n in range(legs):
        start = line.Position(n * leg)
        end = line.Position((n + 1) * leg)
        heading = start["azi2"] % 360
        if n == 0:
            action = f"Head {compass(heading)} from {origin.name} for {_km(leg)}"
        elif n == legs - 1:
            action = f"Continue {compass(heading)} for {_km(leg)} to {destination.name}"
        else:
            near, _ = g.nearest(end["lat2"], end["lon2"])
            action = f"Continue {compass(heading)} for {_km(leg)}, passing near {near.name}"
        steps.append(
            {
                "step": n + 1,
                "action": action,
                "distance_m": round(leg),
                "heading_deg": round(heading, 1),
                "heading": compass(heading),
                "lat": round(end["lat2"], 6),
                "lng": round(end["lon2"], 6),
            }
        )
    where = destination.street + ", " if destination.street else ""
    where += destination.state or destination.country
    steps.append(
        {
            "step": legs + 1,
            "action": f"Arrive at {destination.name} ({where})",
            "distance_m": 0,
            "heading_deg": round(line.Position(total)["azi2"] % 360, 1),
            "heading": compass(line.Position(total)["azi2"]),
            "lat": destination.lat,
            "lng": destination.lng,
        }
    )
    return steps
