"""SqlStorage against the Storage port, on a migrated SQLite file."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from bot.core.ports import (
    CheckInRecord,
    PlanRecord,
    ProfileRecord,
    ReminderStore,
    Storage,
    Turn,
    UserRecord,
)
from bot.core.reminders import next_after
from bot.storage.async_storage import ExecutorStorage
from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage
from bot.storage.tables import ConversationTurn, Plan, ReminderLog, User, metadata
from tests.support import stored_plan

PROFILE = ProfileRecord(
    weekly_km=32.5,
    days_per_week=4,
    long_run_day="sun",
    recent_race_km=10.0,
    recent_race_s=2950.0,
    goal="sub-50 10k",
)


def count(engine: Engine, table: type, **where: object) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(getattr(table, column) == value)
        return conn.scalar(query) or 0


def rows_about(engine: Engine, user_id: int) -> dict[str, int]:
    """Rows mentioning the user in every table: by ``user_id``, and the user row itself."""
    found: dict[str, int] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            column = table.c.get("user_id")
            if column is None and table.name == "users":
                column = table.c.id
            assert column is not None, f"table {table.name} cannot be tied to a user"
            found[table.name] = (
                conn.scalar(select(func.count()).select_from(table).where(column == user_id)) or 0
            )
    return found


def fill(storage: SqlStorage, user_id: int, tag: str) -> None:
    """One row of every kind for the user."""
    storage.save_profile(user_id, dataclasses.replace(PROFILE, goal=tag))
    storage.save_plan(user_id, *stored_plan(text=tag))
    storage.set_reminder(user_id, time(6, 30), "Europe/Paris")
    storage.save_answer(user_id, f"{tag} asks", f"{tag} answered", [f"{tag}'s source"])
    assert storage.claim_reminder(user_id, date(2025, 3, 1))
    storage.record_checkin(user_id, CheckInRecord(date(2025, 3, 1), "done", 8.0, 5, tag))


@pytest.mark.parametrize(
    ("port", "adapter"), [(Storage, ExecutorStorage), (ReminderStore, SqlStorage)]
)
def test_each_port_method_is_implemented_with_the_same_signature(port: type, adapter: type) -> None:
    """The coach's port is asynchronous (ExecutorStorage), the dispatcher's synchronous; both
    end in a SqlStorage method taking the same arguments."""
    port_methods = {
        name: member
        for name, member in inspect.getmembers(port, inspect.isfunction)
        if not name.startswith("_")
    }
    assert port_methods, "the port lists no methods?"
    for name, method in port_methods.items():
        implemented = getattr(adapter, name)
        assert inspect.signature(implemented) == inspect.signature(method), name
        assert inspect.iscoroutinefunction(implemented) == inspect.iscoroutinefunction(method)
        assert inspect.signature(getattr(SqlStorage, name)) == inspect.signature(method), name


def test_active_plans_gives_each_users_current_plan_only(storage: SqlStorage) -> None:
    ann = storage.user("console", "ann", "ann")
    ben = storage.user("console", "ben", "ben")
    storage.user("console", "cat", "cat")  # no plan
    storage.save_plan(ann.id, *stored_plan(text="ann's first"))
    newest = storage.save_plan(ann.id, *stored_plan(text="ann's second"))
    ben_plan = storage.save_plan(ben.id, *stored_plan(text="ben's"))
    assert storage.active_plans([ann.id, ben.id, 999]) == {ann.id: newest, ben.id: ben_plan}


def test_user_is_created_once_and_follows_display_name(storage: SqlStorage, engine: Engine) -> None:
    first = storage.user("telegram", "42", "Ann")
    again = storage.user("telegram", "42", "Ann B.")
    assert isinstance(first, UserRecord)
    assert again.id == first.id
    assert again.display_name == "Ann B."
    assert (first.timezone, first.remind_at, first.reminders_on) == (None, None, False)
    assert count(engine, User) == 1
    # Same id on another platform is another person.
    assert storage.user("discord", "42", "Ann").id != first.id


def test_find_user_never_creates(storage: SqlStorage, engine: Engine) -> None:
    assert storage.find_user("console", "nobody") is None
    assert count(engine, User) == 0
    made = storage.user("console", "alice", "alice")
    assert storage.find_user("console", "alice") == made


def test_find_user_and_plan_is_the_two_lookups_in_one(storage: SqlStorage, engine: Engine) -> None:
    assert storage.find_user_and_plan("console", "nobody") == (None, None)
    assert count(engine, User) == 0
    ann = storage.user("console", "ann", "ann")
    assert storage.find_user_and_plan("console", "ann") == (ann, None)
    ben = storage.user("console", "ben", "ben")
    storage.save_plan(ben.id, *stored_plan(text="ben's"))
    assert storage.find_user_and_plan("console", "ann") == (ann, None)  # not ben's plan
    storage.save_plan(ann.id, *stored_plan(text="ann's first"))
    newest = storage.save_plan(ann.id, *stored_plan(text="ann's second"))
    assert storage.find_user_and_plan("console", "ann") == (ann, newest)
    assert storage.find_user_and_plan("telegram", "ann") == (None, None)  # another platform


def test_records_are_frozen_plain_data(storage: SqlStorage) -> None:
    user = storage.user("console", "alice", "alice")
    with pytest.raises(dataclasses.FrozenInstanceError):
        user.display_name = "mallory"  # type: ignore[misc]
    plan = storage.save_plan(user.id, *stored_plan())
    assert type(plan) is PlanRecord
    assert type(storage.recent_turns(user.id, 1)) is list


def test_profile_is_empty_until_saved_then_replaced(storage: SqlStorage) -> None:
    user = storage.user("console", "alice", "alice")
    assert storage.profile(user.id) == ProfileRecord()
    storage.save_profile(user.id, PROFILE)
    assert storage.profile(user.id) == PROFILE
    storage.save_profile(user.id, ProfileRecord(weekly_km=40.0))
    assert storage.profile(user.id) == ProfileRecord(weekly_km=40.0)


def test_save_plan_keeps_one_active_plan(storage: SqlStorage, engine: Engine) -> None:
    user = storage.user("console", "alice", "alice")
    assert storage.active_plan(user.id) is None
    first = storage.save_plan(user.id, *stored_plan("10k 8weeks"))
    request, built = stored_plan("half 12weeks")
    second = storage.save_plan(user.id, request, built)
    assert second.id != first.id
    assert second.created.tzinfo is not None
    assert storage.active_plan(user.id) == second
    assert second.request == request and second.plan == built
    assert count(engine, Plan, user_id=user.id, active=True) == 1


def test_set_reminder_on_and_off(engine: Engine) -> None:
    now = datetime(2025, 3, 29, 12, 0, tzinfo=UTC)
    storage = SqlStorage(engine, clock=lambda: now)
    user = storage.user("console", "alice", "alice")
    storage.set_reminder(user.id, time(6, 30), "Europe/Paris")
    on = storage.find_user("console", "alice")
    assert on is not None
    assert (on.remind_at, on.timezone, on.reminders_on) == (time(6, 30), "Europe/Paris", True)
    with engine.connect() as conn:
        due = conn.scalar(select(User.next_reminder_utc).where(User.id == user.id))
    # 06:30 in Paris tomorrow, 30 March 2025, is already summer time (UTC+2).
    assert due == datetime(2025, 3, 30, 4, 30, tzinfo=UTC)

    storage.set_reminder(user.id, None, "Europe/Paris")
    off = storage.find_user("console", "alice")
    assert off is not None
    assert (off.remind_at, off.timezone, off.reminders_on) == (None, "Europe/Paris", False)
    with engine.connect() as conn:
        assert conn.scalar(select(User.next_reminder_utc).where(User.id == user.id)) is None


def test_set_reminder_for_an_unknown_user_fails_loudly(storage: SqlStorage) -> None:
    with pytest.raises(LookupError):
        storage.set_reminder(999, time(7, 0), "UTC")


@pytest.mark.parametrize(
    ("at", "zone", "after", "expected"),
    [
        (time(6, 30), "UTC", datetime(2025, 1, 1, 5, 0, tzinfo=UTC), datetime(2025, 1, 1, 6, 30)),
        (time(6, 30), "UTC", datetime(2025, 1, 1, 6, 30, tzinfo=UTC), datetime(2025, 1, 2, 6, 30)),
        (time(6, 30), None, datetime(2025, 1, 1, 7, 0, tzinfo=UTC), datetime(2025, 1, 2, 6, 30)),
        # New York local date is still 31 December at 03:00 UTC on 1 January.
        (
            time(22, 0),
            "America/New_York",
            datetime(2025, 1, 1, 2, 0, tzinfo=UTC),
            datetime(2025, 1, 1, 3, 0),
        ),
    ],
)
def test_next_after(at: time, zone: str | None, after: datetime, expected: datetime) -> None:
    assert next_after(at, zone, after) == expected.replace(tzinfo=UTC)


def test_claim_reminder_is_once_only_per_user_and_day(storage: SqlStorage, engine: Engine) -> None:
    alice = storage.user("console", "alice", "alice")
    bob = storage.user("console", "bob", "bob")
    day = date(2025, 5, 1)
    assert storage.claim_reminder(alice.id, day) is True
    assert storage.claim_reminder(alice.id, day) is False
    assert storage.claim_reminder(alice.id, day) is False
    assert storage.claim_reminder(bob.id, day) is True
    assert storage.claim_reminder(alice.id, date(2025, 5, 2)) is True
    assert count(engine, ReminderLog) == 3


def test_claim_moves_the_next_reminder_past_the_claimed_day(engine: Engine) -> None:
    now = datetime(2025, 5, 1, 4, 0, tzinfo=UTC)
    storage = SqlStorage(engine, clock=lambda: now)
    user = storage.user("console", "alice", "alice")
    storage.set_reminder(user.id, time(7, 0), "Europe/Paris")

    def due() -> datetime | None:
        with engine.connect() as conn:
            return conn.scalar(select(User.next_reminder_utc).where(User.id == user.id))

    assert due() == datetime(2025, 5, 1, 5, 0, tzinfo=UTC)  # 07:00 in Paris (UTC+2)
    assert storage.claim_reminder(user.id, date(2025, 5, 1))
    assert due() == datetime(2025, 5, 2, 5, 0, tzinfo=UTC)
    # A late claim for an older day never moves it back.
    assert storage.claim_reminder(user.id, date(2025, 4, 30))
    assert due() == datetime(2025, 5, 2, 5, 0, tzinfo=UTC)


def test_claim_for_an_unknown_user_is_an_error_not_a_duplicate(storage: SqlStorage) -> None:
    with pytest.raises(LookupError):
        storage.claim_reminder(999, date(2025, 5, 1))


def test_turns_are_capped_per_user_and_returned_oldest_first(
    storage: SqlStorage, engine: Engine
) -> None:
    alice = storage.user("console", "alice", "alice")
    bob = storage.user("console", "bob", "bob")
    storage.add_turn(bob.id, "user", "bob's only turn")
    for i in range(12):
        storage.add_turn(alice.id, "user" if i % 2 == 0 else "assistant", f"turn {i}")
    # The storage fixture keeps 5 turns per user.
    assert count(engine, ConversationTurn, user_id=alice.id) == 5
    assert storage.recent_turns(alice.id, 3) == [
        Turn("assistant", "turn 9"),
        Turn("user", "turn 10"),
        Turn("assistant", "turn 11"),
    ]
    assert [t.text for t in storage.recent_turns(alice.id, 100)] == [
        f"turn {i}" for i in range(7, 12)
    ]
    assert storage.recent_turns(alice.id, 0) == []
    assert storage.recent_turns(bob.id, 10) == [Turn("user", "bob's only turn")]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    turns=st.lists(st.tuples(st.sampled_from(["a", "b"]), st.text(max_size=20)), max_size=15),
    kept=st.integers(min_value=0, max_value=6),
)
def test_recent_turns_are_the_last_kept_turns_of_that_user(
    engine: Engine, turns: list[tuple[str, str]], kept: int
) -> None:
    storage = SqlStorage(engine, turns_kept=kept)
    ids = {}
    for who in ("a", "b"):
        ids[who] = storage.user("console", who, who).id
        storage.forget(ids[who])
        ids[who] = storage.user("console", who, who).id
    for who, text in turns:
        storage.add_turn(ids[who], "user", text)
    for who in ("a", "b"):
        said = [text for w, text in turns if w == who]
        expected = said[max(len(said) - kept, 0) :]
        assert [t.text for t in storage.recent_turns(ids[who], 100)] == expected


def test_an_answer_is_kept_with_its_turns_and_what_it_came_from(storage: SqlStorage) -> None:
    alice = storage.user("console", "alice", "alice")
    bob = storage.user("console", "bob", "bob")
    assert storage.last_sources(alice.id) == ()
    storage.save_answer(alice.id, "how long a taper?", "2 to 3 weeks", ['"Taper" (Daniels)'])
    storage.save_answer(bob.id, "pace for 50 min?", "5:00/km", ["exact calculation"])
    storage.save_answer(alice.id, "and carbs?", "eat more carbs", ['"Carbs" (ACSM)', '"Gels"'])
    assert storage.last_sources(alice.id) == ('"Carbs" (ACSM)', '"Gels"')
    assert storage.last_sources(bob.id) == ("exact calculation",)
    assert storage.recent_turns(alice.id, 10) == [
        Turn("user", "how long a taper?"),
        Turn("assistant", "2 to 3 weeks"),
        Turn("user", "and carbs?"),
        Turn("assistant", "eat more carbs"),
    ]
    storage.save_answer(alice.id, "and then?", "nothing to add", [])
    assert storage.last_sources(alice.id) == ()


def test_an_answer_for_an_unknown_user_leaves_nothing(storage: SqlStorage, engine: Engine) -> None:
    with pytest.raises(IntegrityError):
        storage.save_answer(12345, "q", "a", ["s"])
    assert count(engine, ConversationTurn) == 0


def test_two_users_never_see_each_other(storage: SqlStorage) -> None:
    alice = storage.user("telegram", "1", "alice")
    bob = storage.user("telegram", "2", "bob")
    fill(storage, alice.id, "alice")
    assert storage.profile(bob.id) == ProfileRecord()
    assert storage.active_plan(bob.id) is None
    assert storage.recent_turns(bob.id, 10) == []
    fill(storage, bob.id, "bob")  # claims the same day as alice did: claims are per user
    assert storage.profile(alice.id).goal == "alice"
    plan = storage.active_plan(alice.id)
    assert plan is not None and plan.request["text"] == "alice"
    assert all("alice" in turn.text for turn in storage.recent_turns(alice.id, 10))
    assert storage.find_user("telegram", "1") != storage.find_user("telegram", "2")


def test_forget_leaves_no_row_about_the_user_in_any_table(
    storage: SqlStorage, engine: Engine
) -> None:
    alice = storage.user("console", "alice", "alice")
    bob = storage.user("console", "bob", "bob")
    fill(storage, alice.id, "alice")
    fill(storage, bob.id, "bob")
    before = rows_about(engine, alice.id)
    assert all(before.values()), f"fill() should touch every table: {before}"
    bob_before = rows_about(engine, bob.id)

    storage.forget(alice.id)

    assert set(rows_about(engine, alice.id).values()) == {0}
    assert rows_about(engine, bob.id) == bob_before
    assert storage.find_user("console", "alice") is None
    assert storage.profile(bob.id).goal == "bob"
    storage.forget(alice.id)  # forgetting twice is harmless


def test_forget_works_without_foreign_key_enforcement(db_url: str) -> None:
    """Deletes are explicit, not left to ON DELETE CASCADE, which SQLite may not enforce."""
    engine = create_engine(db_url, foreign_keys=False)
    try:
        storage = SqlStorage(engine)
        alice = storage.user("console", "alice", "alice")
        fill(storage, alice.id, "alice")
        storage.forget(alice.id)
        assert set(rows_about(engine, alice.id).values()) == {0}
    finally:
        engine.dispose()


def test_a_failed_write_leaves_nothing_behind(storage: SqlStorage, engine: Engine) -> None:
    with pytest.raises(IntegrityError):
        storage.add_turn(999, "user", "orphan")
    with pytest.raises(IntegrityError):
        storage.save_plan(999, *stored_plan())
    assert count(engine, ConversationTurn) == 0
    assert count(engine, Plan) == 0


def test_a_later_answer_for_a_day_replaces_the_earlier_one(storage: SqlStorage) -> None:
    alice = storage.user("console", "alice", "alice").id
    storage.record_checkin(alice, CheckInRecord(date(2026, 12, 1), "skipped"))
    storage.record_checkin(alice, CheckInRecord(date(2026, 12, 2), "done", 6.5, 4))
    storage.record_checkin(alice, CheckInRecord(date(2026, 12, 1), "done", 5.0))
    assert storage.checkins(alice, date(2026, 12, 1)) == [
        CheckInRecord(date(2026, 12, 1), "done", 5.0),
        CheckInRecord(date(2026, 12, 2), "done", 6.5, 4),
    ]
    assert storage.checkins(alice, date(2026, 12, 2))[0].day == date(2026, 12, 2)


def test_plan_versions_count_up_and_keep_the_one_before(storage: SqlStorage) -> None:
    alice = storage.user("console", "alice", "alice").id
    first = storage.save_plan(alice, *stored_plan("10k 8weeks"))
    assert first.version == 1 and storage.previous_version(alice) is None
    second = storage.save_plan_version(alice, *stored_plan("10k 9weeks"), "3 runs missed")
    assert (second.version, second.reason) == (2, "3 runs missed")
    assert storage.active_plan(alice) == second
    assert storage.previous_version(alice) == first
    storage.save_plan(alice, *stored_plan("10k 8weeks"))  # a new /plan starts again at 1
    assert storage.previous_version(alice) is None
    storage.stop_plan(alice)
    assert storage.active_plan(alice) is None


@pytest.mark.parametrize(
    "typed", ["nul\x00inside", "\x00", "\uffff0", "\uffff\x00\uffff", "é ☃ 🏃"]
)
def test_what_a_runner_typed_comes_back_exactly(storage: SqlStorage, typed: str) -> None:
    """PostgreSQL refuses NUL in text; a pasted NUL must not lose the message or the runner."""
    user = storage.user("console", typed, typed)
    assert storage.find_user("console", typed) == user
    assert user.display_name == typed
    storage.add_turn(user.id, "user", typed)
    storage.save_profile(user.id, ProfileRecord(goal=typed))
    storage.record_checkin(user.id, CheckInRecord(date(2026, 12, 1), "done", note=typed))
    assert storage.recent_turns(user.id, 1) == [Turn("user", typed)]
    assert storage.profile(user.id).goal == typed
    assert storage.checkins(user.id, date(2026, 12, 1))[0].note == typed
