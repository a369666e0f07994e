"""Switching the language live (issue 20.10): the About box is entirely in the chosen language, and no label or
button of the window is cut after the switch (each one's size hint fits the width it is given)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from roadinspect import about
from roadinspect.gui.dialogs import about_html
from roadinspect.gui.i18n import apply_language
from roadinspect.gui.main_window import MainWindow

ENGLISH_ABOUT = ("Finds cracks", "Model:", "Data and logs", "Map data", "Third-party software",
                 "Qt and PySide6 are used", "Model training data", "non-commercial research", "see the notices",
                 "All licence texts", "not installed")


def test_the_about_box_is_french_after_a_live_switch(qapp) -> None:
    english = about_html()
    assert "Third-party software" in english and "All licence texts" in english  # the phrases checked below
    apply_language("fr")
    french = about_html()
    for phrase in ENGLISH_ABOUT:
        assert phrase not in french, phrase
    assert "Logiciels tiers" in french and "Données d'entraînement du modèle" in french
    assert "recherche non commerciale" in french and "Tous les textes de licence" in french
    assert "Qt / PySide6" in french and "CrackForest" in french  # names and licences stay as shipped
    assert about.notice_file().as_uri() in french or "NOTICE.md" in french
    assert "non installé" in about_html() or about.model_info()
    apply_language("en")
    assert about_html() == english


def _texts(window: MainWindow) -> list[QWidget]:
    """The visible labels and buttons of the window that show a one-line text."""
    widgets = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or widget.width() <= 0:
            continue
        if isinstance(widget, QLabel) and widget.text() and not widget.wordWrap() and \
                widget.textFormat() != Qt.TextFormat.RichText and "\n" not in widget.text():
            widgets.append(widget)
        elif isinstance(widget, QAbstractButton) and widget.text():
            widgets.append(widget)
    return widgets


def test_no_label_is_cut_after_switching_the_language_live(window: MainWindow, reviewable_project: Path,
                                                           qtbot) -> None:
    assert window.open_project(reviewable_project)
    qtbot.waitUntil(lambda: window.view.photo_size().isValid(), timeout=10000)
    qtbot.keyClick(window.view, Qt.Key.Key_J)  # the details of a finding, with their buttons
    window.resize(1280, 690)
    qtbot.wait(50)
    english = {id(w): w.text() for w in _texts(window)}
    apply_language("fr")
    qtbot.wait(50)
    assert window.menuBar().actions()[0].text().replace("&", "") == "Fichier"
    assert window.findings.accept_button.text().replace("&", "").startswith("Accepter")
    widgets = _texts(window)
    assert len(widgets) >= 5
    changed = [w for w in widgets if english.get(id(w)) not in (None, w.text())]
    assert len(changed) >= 3, "the switch changed no text"
    cut = [(type(w).__name__, w.text(), w.sizeHint().width(), w.width()) for w in widgets
           if w.sizeHint().width() > w.width() + 1]
    assert not cut, cut
