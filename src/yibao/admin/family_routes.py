"""Admin routes: 亲情账户 bindings of the agency's insured (app/family.py, domain-rules §2.3):
bind, unbind (a new unbinding record, never a deletion), list."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from yibao.app import family

from .common import AdminContext


class BindingIn(BaseModel):
    owner_psn_no: str = Field(min_length=1, max_length=30)
    relative_psn_no: str = Field(min_length=1, max_length=30)
    relation: str = Field(min_length=1, max_length=12, description="spouse | parent | child | sibling | grandparent | grandchild")


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.post("/family-bindings", status_code=201, summary="Bind a close relative to an employee's account (亲情账户绑定)")
    def bind(body: BindingIn, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, body.owner_psn_no)  # the owner's agency decides on the owner's account
            return family.public(family.bind(uow, body.owner_psn_no, body.relative_psn_no, body.relation))
        return ctx.run(who, action)

    @router.delete("/family-bindings/{binding_id}", summary="Unbind: a new unbinding record naming the binding")
    # a database integer key: larger numbers are refused as input (422), never sent to the database
    def unbind(binding_id: int = Path(ge=1, le=2**63 - 1), who: dict = Depends(agency)) -> dict:
        def action(uow):
            found = uow.family.binding(binding_id)
            if found is not None:
                ctx.person_region(uow, who, found["owner_psn_no"])
            return family.public(family.unbind(uow, binding_id))
        return ctx.run(who, action)

    @router.get("/family-bindings", summary="Bindings naming a person (owner or relative), earliest first")
    def listing(psn_no: str, include_ended: bool = False, who: dict = Depends(agency)) -> dict:
        def action(uow):
            ctx.person_region(uow, who, psn_no)
            return family.listing(uow, psn_no, include_ended=include_ended)
        return {"rows": ctx.run(who, action, write=False)}
