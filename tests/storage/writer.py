"""A separate process writing through SqlStorage, for the durability and concurrency tests.

python writer.py ack URL START        write forever from runner START on; after each
                                      returned (committed) call print one ack line
python writer.py contend URL GO N     wait for file GO, then N rounds of read-then-write
                                      transactions on one shared user; print claims as JSON
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from bot.storage.db import create_engine
from bot.storage.repositories import SqlStorage
from tests.support import stored_plan

DAY = date(2025, 6, 1)


def ack(line: str) -> None:
    print(line, flush=True)


def write_forever(storage: SqlStorage, start: int) -> None:
    i = start
    while True:
        user = storage.user("console", f"runner{i}", f"Runner {i}")
        ack(f"user {i}")
        storage.save_plan(user.id, *stored_plan(text=f"plan {i}"))
        ack(f"plan {i}")
        storage.claim_reminder(user.id, DAY)
        ack(f"claim {i}")
        storage.add_turn(user.id, "user", f"turn {i}")
        ack(f"turn {i}")
        i += 1


def contend(storage: SqlStorage, go: Path, rounds: int) -> None:
    storage.find_user("console", "shared")  # connected and warm before the start signal
    ack("ready")
    while not go.exists():
        time.sleep(0.005)
    claims = []
    for i in range(rounds):
        user = storage.user("console", "shared", "Shared")
        storage.add_turn(user.id, "user", f"round {i}")
        storage.save_plan(user.id, *stored_plan(text=f"round {i}"))
        claims.append(storage.claim_reminder(user.id, DAY + timedelta(days=i)))
    print(json.dumps(claims), flush=True)


def main() -> None:
    mode, url, arg = sys.argv[1:4]
    storage = SqlStorage(create_engine(url), turns_kept=10_000)
    if mode == "ack":
        write_forever(storage, int(arg))
    else:
        contend(storage, Path(arg), int(sys.argv[4]))


if __name__ == "__main__":
    main()
