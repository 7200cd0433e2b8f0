"""Groups (teams) of staff: cases are owned by a group, claimed from its queue, and
a user sees the case types their groups handle."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.staff.accounts import StaffUser
from shared import audit
from shared.db import Base, utcnow
from shared.errors import Conflict, InvalidInput, NotFound


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class GroupMember(Base):
    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id", name="uq_group_members_group_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)


def create_group(session: Session, actor: audit.Actor, name: str, email: str | None = None) -> Group:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("Enter the group's name", {"name": "Enter a name of up to 200 characters"})
    if session.scalar(select(Group.id).where(Group.name == name)) is not None:
        raise Conflict(f"A group called {name} already exists")
    group = Group(name=name, email=(email or "").strip().lower() or None)
    session.add(group)
    session.flush()
    audit.record(session, actor, "group.created", "group", group.id, f"Group {name} created")
    return group


def add_member(session: Session, actor: audit.Actor, group_id: int, user_id: int) -> None:
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound("No such group")
    if session.get(StaffUser, user_id) is None:
        raise InvalidInput("Select a person", {"user": "Select a person from the list"})
    exists = session.scalar(select(GroupMember.id).where(GroupMember.group_id == group_id, GroupMember.user_id == user_id))
    if exists is None:
        session.add(GroupMember(group_id=group_id, user_id=user_id))
        audit.record(session, actor, "group.member_added", "group", group_id, f"User {user_id} added to {group.name}",
                     {"user_id": user_id})


def remove_member(session: Session, actor: audit.Actor, group_id: int, user_id: int) -> None:
    member = session.scalar(select(GroupMember).where(GroupMember.group_id == group_id, GroupMember.user_id == user_id))
    if member is not None:
        session.delete(member)
        audit.record(session, actor, "group.member_removed", "group", group_id, f"User {user_id} removed",
                     {"user_id": user_id})


def group_ids_of(session: Session, user_id: int) -> set[int]:
    return set(session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == user_id)))


def members_of(session: Session, group_id: int) -> list[int]:
    return list(session.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group_id)))


def group_by_name(session: Session, name: str) -> Group | None:
    return session.scalar(select(Group).where(Group.name == name))


# --- administration -------------------------------------------------------------------------


def get_group(session: Session, group_id: int) -> Group:
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound("No such group")
    return group


def list_groups(session: Session, *, active_only: bool = False) -> list[tuple[Group, int]]:
    """Each group with its number of members, by name: the administrators' overview."""
    count = func.count(GroupMember.id)
    stmt = (select(Group, count).outerjoin(GroupMember, GroupMember.group_id == Group.id)
            .group_by(Group.id).order_by(Group.name))
    if active_only:
        stmt = stmt.where(Group.active.is_(True))
    return [(group, int(n)) for group, n in session.execute(stmt)]


def member_users(session: Session, group_id: int) -> list[StaffUser]:
    """The people in a group, by name, with their accounts (the members page shows names and roles)."""
    stmt = (select(StaffUser).join(GroupMember, GroupMember.user_id == StaffUser.id)
            .where(GroupMember.group_id == group_id).order_by(StaffUser.name, StaffUser.email))
    return list(session.scalars(stmt))
