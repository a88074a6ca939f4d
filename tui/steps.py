"""The six steps of the walk: mode names, keys and titles (shared by the app and the screens)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Step:
    mode: str  # the App mode name
    key: str  # the key that opens it
    title: str  # short, for the step bar
    help: str  # one line, for the command palette and help screen


STEPS: tuple[Step, ...] = (
    Step("symptom", "1", "Symptom", "Paste the NDR or error text, or open an .eml"),
    Step("evidence", "2", "Evidence", "Add logs, exports and certificates; see what each gave"),
    Step("questions", "3", "Questions", "Answer what the evidence could not decide"),
    Step("conclusions", "4", "Conclusions", "Every cause with its status and the reasoning"),
    Step("remediation", "5", "Fix", "Ordered steps with your names filled in, copyable"),
    Step("export", "6", "Export", "Save the report as Markdown or JSON"),
)
BY_MODE = {s.mode: s for s in STEPS}
