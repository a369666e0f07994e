"""The settings declarations: coercion of stored values, defaults, and the core objects built from them."""

from __future__ import annotations

import math

import pytest

from roadinspect.core import settings
from roadinspect.core.geo import CameraModel
from roadinspect.core.priority import PriorityWeights


def test_every_setting_is_declared_once_with_a_usable_default() -> None:
    keys = [s.key for s in settings.SETTINGS]
    assert len(keys) == len(set(keys))
    for s in settings.SETTINGS:
        assert "/" in s.key and s.description and s.label
        assert s.coerce(s.default) == s.default, s.key


@pytest.mark.parametrize(
    ("key", "stored", "expected"),
    [
        ("camera/height_m", "2.5", 2.5),  # INI backends give strings
        ("camera/height_m", "abc", 1.5),  # unusable: default
        ("camera/height_m", "99", 1.5),  # out of range: default
        ("camera/height_m", math.nan, 1.5),
        ("general/language", "fr", "fr"),
        ("general/language", "de", "system"),  # not a choice
        ("map/online_tiles", "true", True),
        ("map/online_tiles", "maybe", False),  # online tiles are opt-in: unusable means off
        ("priority/type", "30", 30.0),
        ("priority/type", "-1", 25.0),
        ("review/reviewer", None, settings.setting("review/reviewer").default),
    ],
)
def test_coerce_stored_values(key: str, stored: object, expected: object) -> None:
    assert settings.setting(key).coerce(stored) == expected


def test_core_objects_follow_the_values() -> None:
    values = {"camera/height_m": 2.0, "camera/pitch_deg": "20", "priority/extent": 50, "sections/length_m": "250"}
    assert settings.camera_model(values) == CameraModel(height_m=2.0, pitch_deg=20.0)
    weights = settings.priority_weights(values)
    assert weights.extent == 50.0 and weights.severity == PriorityWeights().severity
    assert settings.section_length(values) == 250.0
    assert settings.section_length({}) == 100.0


def test_unknown_key_is_an_error() -> None:
    with pytest.raises(KeyError):
        settings.setting("nope/never")
