"""Interface language: our Qt Linguist catalogues plus Qt's own for the standard dialogs.

The app's source strings are English. ``resources/translations/roadinspect_<lang>.qm`` are compiled
from the ``.ts`` catalogues (``python -m roadinspect.gui.i18n --update`` runs ``pyside6-lupdate`` and
``pyside6-lrelease``); Qt's ``qtbase_<lang>.qm`` comes from PySide6's own translations folder so that
the buttons of standard dialogs (Open, Cancel, Yes/No) follow the language too.

The language is ``system`` (the system locale: French when it is French, English otherwise), ``fr``
or ``en``; :func:`apply_language` swaps the installed translators at run time, and Qt then sends a
``LanguageChange`` event to every widget so that they re-translate their texts.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QTranslator

from roadinspect.core.resources import translations_dir

LANGUAGES = ("fr", "en")
"""Languages with a catalogue (the first is the one fully translated)."""

_installed: list[QTranslator] = []
_current = "en"


def resolve_language(setting: str, locale: QLocale | None = None) -> str:
    """``fr`` or ``en`` for a language setting (``system`` follows ``locale``, default the system locale)."""
    if setting in LANGUAGES:
        return setting
    name = (locale or QLocale.system()).name()
    return "fr" if name.lower().startswith("fr") else "en"


def apply_language(setting: str) -> str:
    """Install the translators of the language chosen by ``setting``; returns ``fr`` or ``en``."""
    global _current
    app = QCoreApplication.instance()
    language = resolve_language(setting)
    if app is None:
        _current = language
        return language
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name, folder in ((f"qtbase_{language}", qt_dir), (f"roadinspect_{language}", str(translations_dir()))):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            _installed.append(translator)
    QLocale.setDefault(QLocale(QLocale.Language.French if language == "fr" else QLocale.Language.English,
                               QLocale.Country.France if language == "fr" else QLocale.Country.UnitedKingdom))
    _current = language
    # QApplication posts LanguageChange to the windows: deliver it now, so the switch is immediate.
    QCoreApplication.sendPostedEvents(None, int(QEvent.Type.LanguageChange))
    return language


def current_language() -> str:
    """The language installed by the last :func:`apply_language` call."""
    return _current


def gui_sources() -> list[Path]:
    """The Python files whose strings go into the catalogues."""
    root = Path(__file__).resolve().parent
    return sorted(p for p in root.glob("*.py") if p.name != "__init__.py")


def catalogue(language: str) -> Path:
    """The ``.ts`` source of ``language``."""
    return translations_dir() / f"roadinspect_{language}.ts"


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else name


def lupdate(language: str, ts: Path) -> None:
    """Merge the sources' strings into ``ts`` (obsolete entries dropped; English keeps plural forms only)."""
    args = [_tool("pyside6-lupdate"), "-silent", "-no-obsolete", "-locations", "none", "-target-language", language]
    if language == "en":
        args.append("-pluralonly")
    subprocess.run([*args, *map(str, gui_sources()), "-ts", str(ts)], check=True, capture_output=True)


def lrelease(language: str, ts: Path, qm: Path) -> None:
    """Compile ``ts`` into ``qm`` (French: unfinished entries left out; English: identical ones)."""
    option = "-removeidentical" if language == "en" else "-nounfinished"
    subprocess.run([_tool("pyside6-lrelease"), "-silent", option, str(ts), "-qm", str(qm)], check=True,
                   capture_output=True)


def update_catalogues() -> None:
    """Refresh every ``.ts`` from the sources, then compile the ``.qm`` files (run after changing strings)."""
    for language in LANGUAGES:
        ts = catalogue(language)
        lupdate(language, ts)
        lrelease(language, ts, ts.with_suffix(".qm"))


if __name__ == "__main__":  # pragma: no cover - developer tool
    if "--update" in sys.argv:
        update_catalogues()
    else:
        print("usage: python -m roadinspect.gui.i18n --update")
