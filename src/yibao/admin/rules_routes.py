"""Admin routes: sharing rule packages between regions by merging (issue #17 item 2): the
diff per item, then the items the agency accepts. An agency imports only into a region it
administers (app/authorization.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from yibao.app import authorization, rule_sharing

from .common import AdminContext


class SharedPackageIn(BaseModel):
    package: dict = Field(description="a yibao-audit-package document, e.g. exported by another region")
    accept: list[str] | None = Field(default=None, max_length=100_000,
                                     description='null: preview only; ["all"]: every new and changed item; or item ids')


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.post("/rules/{region}/import", summary="Preview or merge another region's rule package into a region's")
    def import_package(region: str, body: SharedPackageIn, who: dict = Depends(agency)) -> dict:
        from yibao.gateway.json_input import check_json

        authorization.check_region(who["agency_code"], region, "导入规则包")
        check_json(body.package, "package")
        if body.accept is None:
            return ctx.run(who, lambda uow: rule_sharing.preview(uow, body.package, admdvs=region), write=False)
        accept = "all" if body.accept == ["all"] else body.accept
        return ctx.run(who, lambda uow: rule_sharing.accept(uow, body.package, admdvs=region, accept=accept))

    @router.get("/rules/{region}/origins", summary="Where each rule and knowledge row of a region's package came from")
    def origins(region: str, who: dict = Depends(agency)) -> dict:
        authorization.check_region(who["agency_code"], region, "查看规则包")
        return ctx.run(who, lambda uow: rule_sharing.origins(uow, region), write=False)
