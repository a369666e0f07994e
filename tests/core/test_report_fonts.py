"""The PDF report's text: DejaVu Sans for more scripts, right-to-left text in display order, a visible placeholder
for a character no font of the PDF has (issue 19)."""

from __future__ import annotations

import unicodedata

from roadinspect.core import report_text
from roadinspect.core.report_pdf import FONT_FILES, covered, pdf_text, placeholder, visual_order
from roadinspect.core.resources import resources_dir


def test_the_fonts_and_their_licence_ship_in_resources():
    folder = resources_dir() / "fonts"
    for file in FONT_FILES.values():
        assert (folder / file).stat().st_size > 500_000
    licence = (folder / "LICENSE.txt").read_text(encoding="utf-8")
    assert "Bitstream Vera Fonts Copyright" in licence and "Arev Fonts Copyright" in licence


def test_latin_greek_cyrillic_arabic_hebrew_are_drawn_emoji_are_named():
    have = covered()
    for text in ("Chaussée déformée œ € ≥ → « »", "Δρόμος", "Дорога", "طريق", "כביש"):
        assert all(ord(c) in have for c in text), text
    assert 0x1F6A7 not in have
    assert pdf_text("Chaussée 🚧") == "Chaussée [U+1F6A7]" and placeholder("🚧") == "[U+1F6A7]"
    assert pdf_text("nid de poule\u00a0: 1\u202f234,5 m²") == "nid de poule\u00a0: 1\u202f234,5 m²"
    assert pdf_text("\U000e0041x") == "x"  # an invisible format character the fonts lack is left out


def test_every_fixed_text_of_the_report_is_drawn_as_written():
    for key, pair in report_text._STRINGS.items():
        for text in pair:
            assert pdf_text(text) == text, (key, text)


def test_right_to_left_text_is_put_in_display_order_and_arabic_joined():
    word = "طريق"
    shown = pdf_text(word)
    assert shown != word and unicodedata.normalize("NFKC", shown)[::-1] == word  # joined forms, right to left
    assert all(0xFE70 <= ord(c) <= 0xFEFF for c in shown)  # contextual forms (initial, medial, final)
    assert pdf_text("כביש") == "שיבכ"  # Hebrew: reordered, no joining
    mixed = visual_order("Section T1 : طريق مكسور (2)")
    assert mixed.startswith("Section T1 : ")  # the left-to-right part stays first, in order
    assert unicodedata.normalize("NFKC", mixed[len("Section T1 : "):]) == "(2) روسكم قيرط"
    assert visual_order("a\nב ג") == "a\nג ב"  # line by line
    # Brackets in right-to-left text face the way its reader expects (mirrored), those around it stay.
    assert unicodedata.normalize("NFKC", visual_order("طريق (مكسور)")) == "(روسكم) قيرط"
    assert visual_order("x [א (ב) ג] y") == "x [ג (ב) א] y" and visual_order("a (b) ג") == "a (b) ג"
    assert visual_order("Chaussée") == "Chaussée"
