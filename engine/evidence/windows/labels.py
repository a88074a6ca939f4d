"""Event Viewer's localised labels, for its text and CSV exports.

Event Viewer and ``wevtutil /f:text`` write their field labels in the Windows display language.
English, German, French, Italian and Spanish are read; labels are matched case-insensitively, with
either apostrophe. Where each comes from (fixtures README, tests/fixtures/windows, has the URLs):
- Microsoft's localized SQL Server docs quote the same event as Event Viewer shows it, human-
  translated (``ms.translationtype: HT``), in MicrosoftDocs/sql-docs.{de-de,fr-fr,es-es} and the
  it-it translation (docs/relational-databases/errors-events/mssqlserver-17659-database-engine-
  error.md): de "Protokollname / Quelle / Ereignis-ID / Taskkategorie / Ebene / Beschreibung",
  fr "Nom du journal / Source / ID d'événement / Catégorie de la tâche / Niveau / Description",
  it "Nome registro / Origine / ID evento / Categoria attività / Livello / Descrizione",
  es "Nombre de registro / Origen / Id. de evento / Categoría de la tarea / Nivel / Descripción".
- Microsoft's Windows troubleshooting articles, machine-translated: it "Nome log … Data … Parole
  chiave", es "ID. de evento … Categoría de tarea … Fecha … Palabras clave" (win32 docs es-ES,
  desktop-src/appxpkg/troubleshooting.md), it "Utente … Computer" (an AD FS article).
- German and French "Quelle / Ereignis-ID / Ebene", "Source / ID de l'événement / Niveau":
  Microsoft's Event Viewer help in those languages (forsenergy.com mirrors, topic 386a877a).
- The rest (de "Aufgabenkategorie", "Schlüsselwörter", "Benutzer", "Computer"; fr "Mots-clés",
  "Utilisateur", "Ordinateur"; es "Id. del evento", "Usuario", "Equipo"; it "Codice operativo";
  the "Event Xml" section labels; CSV "Date and Time" column names other than English) are from
  knowledge: no public export was found that shows them. An export whose labels are not known
  is still read by the fields' fixed order (eventtext.py, eventcsv.py), with one warning.
"""

from __future__ import annotations

# field → {language: labels}
LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "log": {
        "en": ("Log Name",), "de": ("Protokollname",), "fr": ("Nom du journal",),
        "it": ("Nome registro", "Nome log"), "es": ("Nombre de registro",),
    },
    "source": {
        "en": ("Source",), "de": ("Quelle",), "fr": ("Source",), "it": ("Origine",), "es": ("Origen",),
    },
    "date": {
        "en": ("Date", "Date and Time"), "de": ("Datum", "Datum und Uhrzeit"),
        "fr": ("Date", "Date et heure"), "it": ("Data", "Data e ora"), "es": ("Fecha", "Fecha y hora"),
    },
    "event_id": {
        "en": ("Event ID",), "de": ("Ereignis-ID",),
        "fr": ("ID de l'événement", "ID de l'évènement", "ID d'événement"),
        "it": ("ID evento",), "es": ("Id. de evento", "ID. de evento", "Id. del evento", "ID de evento"),
    },
    "task": {
        "en": ("Task Category", "Task"), "de": ("Taskkategorie", "Aufgabenkategorie", "Aufgabe"),
        "fr": ("Catégorie de la tâche", "Tâche"), "it": ("Categoria attività", "Attività"),
        "es": ("Categoría de la tarea", "Categoría de tarea", "Tarea"),
    },
    "level": {
        "en": ("Level",), "de": ("Ebene",), "fr": ("Niveau",), "it": ("Livello",), "es": ("Nivel",),
    },
    "keywords": {
        "en": ("Keywords", "Keyword"), "de": ("Schlüsselwörter", "Schlüsselwort"),
        "fr": ("Mots-clés", "Mot clé"), "it": ("Parole chiave", "Parola chiave"),
        "es": ("Palabras clave", "Palabra clave"),
    },
    "user": {
        "en": ("User", "User Name"), "de": ("Benutzer", "Benutzername"),
        "fr": ("Utilisateur", "Nom d'utilisateur"), "it": ("Utente", "Nome utente"),
        "es": ("Usuario", "Nombre de usuario"),
    },
    "computer": {
        "en": ("Computer",), "de": ("Computer",), "fr": ("Ordinateur",), "it": ("Computer",),
        "es": ("Equipo",),
    },
    "opcode": {
        "en": ("Opcode",), "de": ("Opcode",), "fr": ("Opcode",), "it": ("Codice operativo",),
        "es": ("Código de operación",),
    },
    "description": {
        "en": ("Description",), "de": ("Beschreibung",), "fr": ("Description",),
        "it": ("Descrizione",), "es": ("Descripción",),
    },
    "event_xml": {
        "en": ("Event Xml",), "de": ("Ereignis-XML",), "fr": ("XML de l'événement",),
        "it": ("XML evento",), "es": ("XML del evento",),
    },
}
LANGUAGES = ("en", "de", "fr", "it", "es")


def _norm(label: str) -> str:
    return " ".join(label.replace("\u2019", "'").replace("\u00a0", " ").split()).lower()


# normalised label → (field, languages using it)
_INDEX: dict[str, tuple[str, tuple[str, ...]]] = {}
for _field, _by_lang in LABELS.items():
    for _lang, _labels in _by_lang.items():
        for _label in _labels:
            key = _norm(_label)
            fld, langs = _INDEX.get(key, (_field, ()))
            _INDEX[key] = (fld, (*langs, _lang))


def field_of(label: str) -> tuple[str, tuple[str, ...]] | None:
    """(field, languages) for a label as written in an export, else None."""
    return _INDEX.get(_norm(label))


def language_of(labels: list[str]) -> str:
    """The one language every recognised label fits (English when several do)."""
    votes = {lang: 0 for lang in LANGUAGES}
    for label in labels:
        hit = field_of(label)
        if hit:
            for lang in hit[1]:
                votes[lang] += 1
    best = max(votes.values())
    if best == 0:
        return "unknown"
    return next(lang for lang in LANGUAGES if votes[lang] == best)
