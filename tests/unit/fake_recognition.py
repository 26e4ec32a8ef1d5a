"""An in-memory ``uow.recognition`` (app/recognition.RecognitionRepository)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeRecognition:
    catalogues: dict[str, dict] = field(default_factory=dict)  # region → code → CatalogEntry
    rows: dict[str, dict] = field(default_factory=dict)
    steps: list[dict] = field(default_factory=list)

    def catalogue(self, admdvs, day):
        return dict(self.catalogues.get(admdvs, {}))

    def add(self, row):
        self.rows[row["recognition_id"]] = dict(row)

    def add_step(self, row):
        if any(s["recognition_id"] == row["recognition_id"] and s["step"] == row["step"] for s in self.steps):
            return False  # pk_recognition_steps
        self.steps.append(dict(row))
        return True

    def get(self, recognition_id):
        row = self.rows.get(recognition_id)
        if row is None:
            return None
        return dict(row, steps=[dict(s) for s in self.steps if s["recognition_id"] == recognition_id])

    def of_region(self, admdvs):
        return [self.get(key) for key, row in sorted(self.rows.items()) if admdvs in (row["from_admdvs"], row["to_admdvs"])]
