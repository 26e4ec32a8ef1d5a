"""In-memory repositories of exchanged files, list mappings, code lists and catalogue rows,
set on ``tests.unit.fakes.FakeUnitOfWork`` as ``uow.exchange_files``, ``uow.list_mappings``..."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeExchangeFiles:
    rows: dict[str, dict] = field(default_factory=dict)
    locked: list[str] = field(default_factory=list)
    now: object = None

    def add(self, row):
        assert row["file_qury_no"] not in self.rows, "pk_exchange_files"
        self.rows[row["file_qury_no"]] = dict(row)

    def lock(self, file_qury_no):
        self.locked.append(file_qury_no)
        row = self.rows.get(file_qury_no)
        return {k: v for k, v in row.items() if k != "content"} if row else None

    def mark_downloaded(self, file_qury_no, msgid):
        row = self.rows[file_qury_no]
        if row["downloaded_at"] is not None:
            return False
        row.update(downloaded_at=self.now, downloaded_msgid=msgid)
        return True

    def with_content(self, file_qury_no):
        row = self.rows.get(file_qury_no)
        return dict(row) if row else None

    def purge_expired(self):
        expired = [row for row in self.rows.values() if row["expires_at"] <= self.now and row["purged_at"] is None]
        for row in expired:
            row.update(content=b"", purged_at=self.now)
        return len(expired)


@dataclass
class FakeListMappings:
    """``catalogue``: the national codes listed per region (admdvs → set of codes)."""

    catalogue: dict[str, set[str]] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    locks: list[tuple] = field(default_factory=list)
    now: object = None

    def lock(self, fixmedins_code, medins_list_codg):
        self.locks.append((fixmedins_code, medins_list_codg))

    def active(self, fixmedins_code, medins_list_codg):
        return next((dict(r) for r in self.rows if r["fixmedins_code"] == fixmedins_code
                     and r["medins_list_codg"] == medins_list_codg and r["revoked_at"] is None), None)

    def national_code_listed(self, admdvs, med_list_codg):
        chain = [admdvs, admdvs[:4] + "00", admdvs[:2] + "0000"]
        return any(med_list_codg in self.catalogue.get(region, set()) for region in chain)

    def add(self, row):
        assert self.active(row["fixmedins_code"], row["medins_list_codg"]) is None, "uq_list_mappings_active"
        self.rows.append(dict(row, map_id=len(self.rows) + 1))

    def revoke(self, map_id, *, msgid):
        row = next(r for r in self.rows if r["map_id"] == map_id)
        row.update(revoked_at=self.now, revoked_msgid=msgid)

    def national_codes(self, fixmedins_code, codes):
        return {code: row for code in codes if (row := self.active(fixmedins_code, code))}

    def page(self, fixmedins_code, filters, page_num, page_size):
        mine = [dict(r) for r in self.rows if r["fixmedins_code"] == fixmedins_code]
        return len(mine), mine[(page_num - 1) * page_size:page_num * page_size]


@dataclass
class FakeCodeLists:
    rows: dict[tuple[str, str], dict] = field(default_factory=dict)
    now: object = None

    def upsert(self, list_kind, rows, ver):
        for row in rows:
            self.rows[(list_kind, row["code"])] = dict(row, list_kind=list_kind, ver=ver, updated_at=self.now)

    def rows_after(self, list_kind, ver):
        found = [dict(r) for (kind, _), r in self.rows.items() if kind == list_kind and r["ver"] > ver]
        return sorted(found, key=lambda r: (r["ver"], r["code"]))


@dataclass
class FakeCatalogue:
    hilist: list[dict] = field(default_factory=list)

    def hilist_after(self, admdvs, list_type, ver):
        chain = {admdvs, admdvs[:4] + "00", admdvs[:2] + "0000"}
        found = [dict(r) for r in self.hilist if r["insu_admdvs"] in chain and r["list_type"] == list_type and r["ver"] > ver]
        return sorted(found, key=lambda r: (r["ver"], r["insu_admdvs"], r["hilist_code"], r["begndate"]))
