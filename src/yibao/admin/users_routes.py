"""Admin routes: the calling agency's users (an administrator's area, app/roles.py)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from yibao.app import users

from .common import AdminContext, jsonable

Role = Literal["clerk", "auditor", "accountant", "administrator"]


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=32, description="lower-case letters, digits, . _ -")
    roles: list[Role] = Field(min_length=1)
    password: str = Field(min_length=1, max_length=200, description="at least 10 characters")
    display_name: str = Field(default="", max_length=100)


class UserOut(BaseModel):
    user_id: str
    agency_code: str
    username: str
    display_name: str
    roles: list[str]
    created_at: str
    created_by: str
    disabled_at: str | None = None
    disabled_by: str | None = None


def add_routes(router: APIRouter, ctx: AdminContext) -> None:
    agency = ctx.agency

    @router.get("/users", summary="The agency's users and their roles")
    def list_users(who: dict = Depends(agency)) -> list[UserOut]:
        rows = ctx.run(who, lambda uow: users.list_users(uow, who["agency_code"]), write=False)
        return [UserOut(**jsonable(row)) for row in rows]

    @router.post("/users", status_code=201, summary="Add a user of the agency (administrator)")
    def add_user(body: UserIn, who: dict = Depends(agency)) -> UserOut:
        row = ctx.run(who, lambda uow: users.add_user(uow, who["agency_code"], body.username, body.roles, body.password,
                                                      body.display_name))
        return UserOut(**jsonable(row))

    @router.post("/users/{username}/disable", summary="Disable a user: its sessions and tokens end (administrator)")
    def disable_user(username: str, who: dict = Depends(agency)) -> UserOut:
        row = ctx.run(who, lambda uow: users.disable_user(uow, who["agency_code"], username))
        return UserOut(**jsonable(row))
