"""uow.timetable (schedules and time off) on every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookctl.errors import NotFoundError
from tests.storage.conftest import DAY, NOW


def _schedule(uow, **fields):
    values = dict(service_id="yoga", days=["mon"], at="18:00", first_day=DAY, count=4, capacity=8, created_at=NOW)
    values.update(fields)
    return uow.timetable.add_schedule(**values)


def test_schedules_are_numbered_and_kept_with_their_changes(store):
    with store.write() as uow:
        first, second = _schedule(uow), _schedule(uow, days=["fri", "tue"], staff_id="giulia")
        assert (first.id, second.id) == ("sch-1", "sch-2")
        assert second.days == ["tue", "fri"]  # weekday order, whatever order they came in
        uow.commit()
    with store.write() as uow:
        uow.timetable.schedule("sch-1").exdates.append(DAY + timedelta(days=7))
        uow.commit()
    with store.read() as uow:
        assert [s.id for s in uow.timetable.schedules()] == ["sch-1", "sch-2"]
        assert uow.timetable.schedule("sch-1").exdates == [DAY + timedelta(days=7)]
        assert uow.timetable.schedule("sch-2").staff_id == "giulia"
        with pytest.raises(NotFoundError, match=r"^no schedule 'sch-3'; see 'bookctl schedule list'$"):
            uow.timetable.schedule("sch-3")


def test_a_change_never_committed_is_not_kept(store):
    with store.write() as uow:
        _schedule(uow)
        uow.commit()
    with store.write() as uow:
        uow.timetable.schedule("sch-1").capacity = 3
        _schedule(uow)
    with store.read() as uow:
        assert [(s.id, s.capacity) for s in uow.timetable.schedules()] == [("sch-1", 8)]


def test_time_off_is_listed_by_start_and_can_be_removed(store):
    with store.write() as uow:
        later = uow.timetable.add_time_off(staff_id="giulia", start=NOW + timedelta(days=5),
                                           end=NOW + timedelta(days=6), reason="course", created_at=NOW)
        sooner = uow.timetable.add_time_off(staff_id="giulia", start=NOW, end=NOW + timedelta(hours=4), created_at=NOW)
        uow.timetable.add_time_off(staff_id="marco", start=NOW, end=NOW + timedelta(hours=1), created_at=NOW)
        uow.commit()
    with store.read() as uow:
        assert [t.id for t in uow.timetable.time_off("giulia")] == [sooner.id, later.id]
        assert len(uow.timetable.time_off()) == 3
    with store.write() as uow:
        uow.timetable.remove_time_off(uow.timetable.get_time_off(sooner.id))
        uow.commit()
    with store.read() as uow:
        assert [t.id for t in uow.timetable.time_off("giulia")] == [later.id]
        with pytest.raises(NotFoundError):
            uow.timetable.get_time_off(sooner.id)


def test_a_time_off_removed_but_never_committed_is_kept(store):
    with store.write() as uow:
        away = uow.timetable.add_time_off(staff_id="giulia", start=NOW, end=NOW + timedelta(hours=2), created_at=NOW)
        uow.commit()
    with store.write() as uow:
        uow.timetable.remove_time_off(uow.timetable.get_time_off(away.id))
        assert uow.timetable.time_off("giulia") == []
    with store.read() as uow:
        assert [t.id for t in uow.timetable.time_off("giulia")] == [away.id]
