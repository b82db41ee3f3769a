"""Translations: Qt's own and Tether's .qm files for the window's language, English plurals,
and `tr_args`, the one way to put values into a translated template.

The language is the system's, or the one chosen in Settings (Options.language, applied when
the window is built: a change shows on the next start). Tether's catalogues live in
resources/translations (see its README for lupdate/lrelease).

Source strings mark plurals the Qt way ("%n download(s)") so translators get numerus forms.
Without a translation, English would show "(s)" literally; a tiny translator picks the
singular or plural form instead.
"""

from __future__ import annotations

import logging
import re

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger("tether.ui")

_PLURAL = re.compile(r"\((s|es)\)")
_MARKER = re.compile(r"%(\d\d?)")


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks `text` for pyside6-lupdate in `context`; it is translated where it is shown.

    PySide6's own returns `object` to a type checker; this one keeps tables typed as str.
    """
    return text


def tr_args(template: str, *args: object) -> str:
    """QString.arg for a translated template: `tr_args(self.tr("%1 of %2"), done, total)`.

    Every %N is replaced in one pass, so an argument that itself contains "%2" (a file name,
    an error message) is never expanded again, as chained str.replace would. A translation
    may reorder the markers ("%2 中的 %1"); markers without an argument stay as they are.
    """
    if "%" not in template:
        return template

    def value(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return str(args[n - 1]) if 1 <= n <= len(args) else match.group(0)

    return _MARKER.sub(value, template)


def english_plural(source: str, n: int) -> str:
    """'%n download(s)' -> '%n download' for n == 1, '%n downloads' otherwise."""
    return _PLURAL.sub(lambda m: "" if n == 1 else m.group(1), source)


class EnglishPlurals(QTranslator):
    """Answers only for plural-marked strings; everything else falls through to the source."""

    def translate(
        self, context: str, source_text: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None (a null QString) means "not translated here": Qt asks the next translator and
        # falls back to the source. An empty string would be taken as the translation.
        if n < 0 or "(" not in source_text:
            return None
        return english_plural(source_text, n)

    def isEmpty(self) -> bool:
        return False


_installed: list[QTranslator] = []
_language: list[str] = []  # the language the installed translators are for


def ui_locale(language: str) -> QLocale:
    """The locale the window speaks: the system's, or the one chosen in Settings."""
    return QLocale.system() if language in ("", "system") else QLocale(language)


def install_translators(app: QCoreApplication, language: str = "system") -> None:
    """Qt's translations and Tether's for the UI language, then the English plural fallback.

    Called at start-up (the system's language) and again when the window is built with the
    stored setting; a change later applies on the next start, as Settings says.
    """
    if _language == [language]:
        return
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    _language[:] = [language]
    locale = ui_locale(language)
    # Dates and numbers follow the chosen language too (formatting caches per locale).
    from app.ui import formatting

    QLocale.setDefault(locale)
    formatting.locale_changed()
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qt_translator = QTranslator(app)
    if qt_translator.load(locale, "qtbase", "_", qt_dir):
        app.installTranslator(qt_translator)
        _installed.append(qt_translator)
    ours = QTranslator(app)
    have_ours = False
    try:
        from app import resources_util

        folder = str(resources_util.resource_path("translations"))
        if ours.load(locale, "tether", "_", folder):
            app.installTranslator(ours)
            _installed.append(ours)
            have_ours = True
    except Exception as exc:
        log.debug("no Tether translations: %s", exc)
    # Installed last = asked first, so only when no Tether translation speaks for the locale:
    # then the English source text is what the user sees, and its plurals must read right.
    if not have_ours:
        plural = EnglishPlurals(app)
        app.installTranslator(plural)
        _installed.append(plural)
