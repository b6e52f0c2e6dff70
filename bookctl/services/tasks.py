"""Tasks for staff on a contact's card (seed 004: tasks and reminders).

A task lives on its contact's card; the store-wide index (task id -> contact, assignee, due day,
done) lets `task done t-N` open one card and `task list` across contacts open only the cards of the
tasks it shows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bookctl.domain.cards import Task
from bookctl.errors import NotFoundError, RuleError
from bookctl.services.lookups import live_contact
from bookctl.services.lookups import find_staff
from bookctl.storage.unit import UnitOfWork
from bookctl.storage.card_models import TaskRef
from bookctl.domain.ids import card_number
from bookctl.timeutil import load_zone


def _today(uow: UnitOfWork, now: datetime) -> date:
    return now.astimezone(load_zone(uow.settings.business.timezone)).date()


def add_task(uow: UnitOfWork, now: datetime, contact_id: str, text: str, assignee: str | None = None,
             due: date | None = None) -> dict[str, Any]:
    """Give a member of staff something to do about a client, by a day (in the store's time zone)."""
    from bookctl.services.notes import check_body
    from bookctl.services.views import task_view

    body = check_body(text, "task")
    contact = live_contact(uow, contact_id)
    assignee_id = find_staff(uow.settings, assignee).id if assignee else None
    task = Task(id=uow.cards.new_id("t"), text=body, assignee=assignee_id, due=due, created_at=now)
    uow.cards.get(contact.id).tasks.append(task)
    return task_view(task, contact.id, load_zone(uow.settings.business.timezone), _today(uow, now))


def complete_task(uow: UnitOfWork, now: datetime, task_id: str) -> dict[str, Any]:
    """Mark a task done."""
    from bookctl.services.views import task_view

    owner = uow.cards.owner(task_id) if card_number(task_id, "t") else None
    task = None if owner is None else next((t for t in uow.cards.get(owner).tasks if t.id == task_id), None)
    if owner is None or task is None:
        raise NotFoundError(f"no task {task_id!r}")
    if task.done_at is not None:
        raise RuleError(f"task {task.id} is already done")
    task.done_at = now
    return task_view(task, owner, load_zone(uow.settings.business.timezone), _today(uow, now))


def list_tasks(uow: UnitOfWork, now: datetime, contact_id: str | None = None, assignee: str | None = None,
               overdue: bool = False, open_only: bool = False) -> list[dict[str, Any]]:
    """Tasks by due day (undated last), then id. Overdue: open and due before today in the store's zone."""
    from bookctl.services.views import task_view

    zone = load_zone(uow.settings.business.timezone)
    today = _today(uow, now)
    assignee_id = find_staff(uow.settings, assignee).id if assignee else None
    if contact_id is not None:
        owners = [uow.contacts.get(contact_id).id]
        wanted = None
    else:
        refs = {tid: ref for tid, ref in uow.cards.tasks().items() if _keep(ref, assignee_id, overdue, open_only, today)}
        owners = sorted({ref.contact_id for ref in refs.values()}, key=lambda cid: int(cid[2:]))
        wanted = set(refs)
    rows = []
    for owner in owners:
        for task in uow.cards.get(owner).tasks:
            if wanted is not None and task.id not in wanted:
                continue
            view = task_view(task, owner, zone, today)
            if (assignee_id and task.assignee != assignee_id) or (open_only and not view["open"]) \
                    or (overdue and not view["overdue"]):
                continue
            rows.append(((task.due is None, task.due or today, int(task.id[2:])), view))
    rows.sort(key=lambda pair: pair[0])
    return [view for _, view in rows]


def _keep(ref: TaskRef, assignee_id: str | None, overdue: bool, open_only: bool, today: date) -> bool:
    if assignee_id and ref.assignee != assignee_id:
        return False
    if (open_only or overdue) and ref.done:
        return False
    return not overdue or (ref.due is not None and ref.due < today)

