"""Files saved for a user stay under data_dir/files, whatever the name, and go on forget."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage.user_files import MAX_NAME_CHARS, UserFiles, safe_name


@pytest.mark.parametrize("name", ["ana", "john.doe", "Ana_B-2", "runcoach-10k-2027-01-31.ics"])
def test_safe_names_are_kept_so_existing_directories_stay_put(name: str) -> None:
    assert safe_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "../../somewhere",
        "..",
        ".",
        ".hidden",
        "a/b",
        "a\\b",
        "/etc",
        "C:evil",
        "émile",
        "",
        "x" * 300,
    ],
)
def test_any_other_name_becomes_one_harmless_component(name: str, tmp_path: Path) -> None:
    safe = safe_name(name)
    assert 0 < len(safe) <= MAX_NAME_CHARS
    assert safe not in (".", "..") and not safe.startswith(".")
    assert "/" not in safe and "\\" not in safe and ":" not in safe
    assert (tmp_path / safe).resolve().parent == tmp_path.resolve()


def test_names_that_clean_up_alike_stay_apart() -> None:
    assert len({safe_name("a/b"), safe_name("a_b"), safe_name("a b"), safe_name("a\\b")}) == 4


def test_forget_files_removes_the_users_directory_only(tmp_path: Path) -> None:
    files = UserFiles(tmp_path)
    for user in ("ana", "../../ben"):
        directory = files.dir_for(user)
        directory.mkdir(parents=True)
        (directory / "plan.ics").write_text("BEGIN:VCALENDAR")
    files.forget_files("console", "../../ben")
    assert not files.dir_for("../../ben").exists()
    assert (files.dir_for("ana") / "plan.ics").exists()
    files.forget_files("console", "nobody")  # nothing saved: nothing to do


def test_forget_files_leaves_other_platforms_users_alone(tmp_path: Path) -> None:
    files = UserFiles(tmp_path)
    (files.dir_for("12345")).mkdir(parents=True)  # a console user named like a Telegram id
    files.forget_files("telegram", "12345")
    assert files.dir_for("12345").is_dir()


def test_forget_files_unlinks_a_planted_link_without_following_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not the runner's")
    files = UserFiles(tmp_path / "data")
    files.root.mkdir(parents=True)
    files.dir_for("ana").symlink_to(outside, target_is_directory=True)
    files.forget_files("console", "ana")
    assert not files.dir_for("ana").exists() and (outside / "keep.txt").exists()
