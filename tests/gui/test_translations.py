"""Translation catalogues: up to date with the sources, French complete, compiled files current."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from roadinspect.core.settings import SETTINGS
from roadinspect.gui import i18n
from roadinspect.gui.dialogs import SETTING_TEXTS


def _needs(tool: str) -> pytest.MarkDecorator:
    """Skip a check that runs one of the PySide6 tools when it is not installed (the others still run)."""
    return pytest.mark.skipif(shutil.which(i18n._tool(tool)) is None, reason=f"{tool} is not installed (PySide6 tools)")


FIX = "run `python -m roadinspect.gui.i18n --update` and translate the new French entries"


@_needs("pyside6-lupdate")
@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_catalogue_is_up_to_date_with_the_sources(language: str, tmp_path: Path) -> None:
    committed = i18n.catalogue(language)
    fresh = tmp_path / committed.name
    shutil.copy(committed, fresh)
    i18n.lupdate(language, fresh)
    assert fresh.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), \
        f"{committed.name} is stale (strings were added, changed or removed in the sources): {FIX}"


@_needs("pyside6-lrelease")
@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_compiled_catalogue_matches_its_source(language: str, tmp_path: Path) -> None:
    ts = i18n.catalogue(language)
    qm = tmp_path / "check.qm"
    i18n.lrelease(language, ts, qm)
    assert qm.read_bytes() == ts.with_suffix(".qm").read_bytes(), f"{ts.with_suffix('.qm').name} is stale: {FIX}"


def test_french_is_complete() -> None:
    text = i18n.catalogue("fr").read_text(encoding="utf-8")
    assert 'type="unfinished"' not in text, f"untranslated French entries: {FIX}"
    assert "<translation></translation>" not in text
    assert text.count("<message") > 200


def test_every_setting_text_is_marked_for_translation() -> None:
    for s in SETTINGS:
        assert s.label in SETTING_TEXTS and s.description in SETTING_TEXTS and s.group in SETTING_TEXTS, s.key


def test_language_follows_the_system_locale() -> None:
    from PySide6.QtCore import QLocale

    assert i18n.resolve_language("system", QLocale("fr_FR")) == "fr"
    assert i18n.resolve_language("system", QLocale("fr_BE")) == "fr"
    assert i18n.resolve_language("system", QLocale("de_DE")) == "en"
    assert i18n.resolve_language("en", QLocale("fr_FR")) == "en"
