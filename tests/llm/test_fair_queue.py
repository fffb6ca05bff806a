"""Turn-taking between users waiting for the one model."""

from __future__ import annotations

import asyncio

from bot.llm.fair_queue import FairQueue


async def drain(queue: FairQueue[str]) -> list[str]:
    return [await queue.get() for _ in range(len(queue))]


async def test_one_users_burst_does_not_starve_the_others() -> None:
    queue: FairQueue[str] = FairQueue()
    for n in range(4):
        queue.put("chatty", f"chatty{n}")
    queue.put("quiet", "quiet0")
    queue.put("late", "late0")
    assert await drain(queue) == ["chatty0", "quiet0", "late0", "chatty1", "chatty2", "chatty3"]


async def test_a_user_just_served_waits_behind_one_who_was_not() -> None:
    queue: FairQueue[str] = FairQueue()
    queue.put("a", "a0")
    queue.put("a", "a1")
    assert await queue.get() == "a0"  # a is being answered...
    queue.put("b", "b0")  # ...when b asks
    assert await drain(queue) == ["b0", "a1"]


async def test_each_users_requests_keep_their_order() -> None:
    queue: FairQueue[str] = FairQueue()
    for n in range(5):
        queue.put("a", f"a{n}")
        queue.put("b", f"b{n}")
    order = await drain(queue)
    assert [x for x in order if x[0] == "a"] == [f"a{n}" for n in range(5)]
    assert [x for x in order if x[0] == "b"] == [f"b{n}" for n in range(5)]


async def test_get_waits_for_the_next_request() -> None:
    queue: FairQueue[str] = FairQueue()
    waiting = asyncio.create_task(queue.get())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    queue.put("a", "a0")
    assert await asyncio.wait_for(waiting, 1) == "a0"
