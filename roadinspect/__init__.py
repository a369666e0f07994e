"""RoadInspect: offline detection and review of road damage in geotagged photos."""

__version__ = "0.1.0"
