"""Shell completion, driven as the shells drive it: Typer's protocol (`_BOOKCTL_COMPLETE=complete_bash`
with COMP_WORDS / COMP_CWORD) in a real process, the bash script `--show-completion bash` prints run
by a real bash, and an interactive bash under a pty pressing Tab. Completing shows the store's ids
with what they are, writes nothing, takes no lock, and says nothing when there is no store."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import NOW, tree_digest

TODAY, TOMORROW = "2026-11-23", "2026-11-24"  # NOW is 12:00 on TODAY, in Rome


def _env(store: Path | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOOKCTL_", "_BOOKCTL_", "_TYPER_"))}
    env.update({"BOOKCTL_NOW": NOW, **extra})
    if store is not None:
        env["BOOKCTL_STORE"] = str(store)
    return env


def complete(store: Path | None, *words: str, shell: str = "bash", **extra: str) -> subprocess.CompletedProcess[str]:
    """What bookctl answers when `shell` asks for the last of `words` (the command line so far)."""
    line = ["bookctl", *words]
    if shell == "bash":
        protocol = {"COMP_WORDS": "\n".join(line), "COMP_CWORD": str(len(line) - 1)}
    else:  # zsh and fish pass the line as typed; a trailing space means a new, empty word
        protocol = {"_TYPER_COMPLETE_ARGS": " ".join(line), "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    return subprocess.run([sys.executable, "-m", "bookctl"], capture_output=True, text=True, timeout=60,
                          env=_env(store, _BOOKCTL_COMPLETE=f"complete_{shell}", **{**protocol, **extra}))


def candidates(store: Path | None, *words: str) -> list[tuple[str, str]]:
    """(value, description) of each candidate bash is offered, in order; nothing on stderr."""
    result = complete(store, *words)
    assert result.returncode == 0 and result.stderr == "", result
    found = [tuple(line.split("\t", 1)) if "\t" in line else (line, "") for line in result.stdout.splitlines()]
    return [pair for pair in found if pair[0]]  # a lone empty one says: no candidates, and no file names either


def values(store: Path | None, *words: str) -> list[str]:
    return [value for value, _about in candidates(store, *words)]


@pytest.fixture
def desk(ok, run, store: Path) -> dict[str, str]:  # noqa: ANN001
    """Clients and today's bookings: Zoë at 15:00 and Paul at 17:00 today, Ada tomorrow, Adam's
    cancelled, Lea erased."""
    made = {}
    for key, first, last in (("zoe", "Zoë", "Martin"), ("paul", "Paul", "Martin"), ("ada", "Ada", None),
                             ("adam", "Adam", "Rossi"), ("lea", "Léa", "Blanc")):
        made[key] = ok("contact", "add", "--first-name", first, *(("--last-name", last) if last else ()))["id"]

    def book(who: str, at: str) -> str:
        return ok("session", "book", "--service", "physiotherapy", "--contact", made[who], "--start", at,
                  "--staff", "giulia-romano")["id"]

    made["b_paul"] = book("paul", f"{TODAY} 17:00")
    made["b_zoe"] = book("zoe", f"{TODAY} 15:00")
    made["b_ada"] = book("ada", f"{TOMORROW} 10:00")
    made["b_adam"] = book("adam", f"{TODAY} 19:00")
    assert run("session", "cancel", made["b_adam"]).exit_code == 0
    assert run("contact", "delete", made["lea"], "--erase", "--yes").exit_code == 0
    return made


# --- what each kind of value offers -----------------------------------------------------------------------------


def test_checkin_offers_todays_bookings_by_time_with_the_clients_name(store, desk) -> None:
    assert candidates(store, "session", "checkin", "") == [
        (desk["b_zoe"], "15:00 Zoë Martin, Physiotherapy"),
        (desk["b_paul"], "17:00 Paul Martin, Physiotherapy"),
    ]


def test_a_booking_already_checked_in_says_so(run, store, desk) -> None:
    assert run("session", "checkin", desk["b_zoe"]).exit_code == 0
    assert candidates(store, "payment", "collect", "")[0] == (desk["b_zoe"], "15:00 Zoë Martin, Physiotherapy (checked in)")


def test_a_clients_name_typed_finds_their_booking_of_today(store, desk) -> None:
    assert values(store, "session", "checkin", "zoe") == [desk["b_zoe"]]
    assert values(store, "session", "checkin", "MART") == [desk["b_zoe"], desk["b_paul"]]


def test_a_booking_id_typed_as_far_as_its_day_offers_that_days_bookings(store, desk) -> None:
    assert candidates(store, "session", "cancel", "b-20261124") == [(desk["b_ada"], "10:00 Ada, Physiotherapy")]


def test_contact_offers_every_live_contact_with_its_name(store, desk) -> None:
    assert candidates(store, "session", "list", "--contact", "") == [
        (desk["zoe"], "Zoë Martin"), (desk["paul"], "Paul Martin"), (desk["ada"], "Ada"), (desk["adam"], "Adam Rossi"),
    ]


@pytest.mark.parametrize(("typed", "who"), [("Zo", ["zoe"]), ("martin", ["zoe", "paul"]), ("ad", ["ada", "adam"]),
                                            ("zoë m", ["zoe"]), ("ross", ["adam"]), ("lea", [])])
def test_contact_matches_the_words_of_a_name_ignoring_case_and_accents(store, desk, typed: str, who: list[str]) -> None:
    assert values(store, "session", "book", "--contact", typed) == [desk[w] for w in who]


def test_contact_matches_the_beginning_of_an_id(store, desk) -> None:
    assert values(store, "contact", "show", desk["ada"]) == [desk["ada"]]


def test_service_and_staff_offer_their_ids_with_names(store, desk) -> None:
    assert candidates(store, "session", "book", "--service", "") == [("physiotherapy", "Physiotherapy"),
                                                                      ("yoga-flow", "Yoga Flow")]
    assert candidates(store, "session", "list", "--staff", "") == [("giulia-romano", "Giulia Romano"),
                                                                    ("sanne-de-vries", "Sanne de Vries")]
    assert values(store, "export", "bookings", "--staff", "vries") == ["sanne-de-vries"]


def test_session_offers_todays_sessions_with_what_is_booked(ok, store, desk) -> None:
    zoe, paul = (ok("session", "show", desk[b])["session_id"] for b in ("b_zoe", "b_paul"))
    assert candidates(store, "session", "move", "") == [(zoe, "15:00 Physiotherapy, 1/1 booked"),
                                                        (paul, "17:00 Physiotherapy, 1/1 booked")]


def test_waitlist_accept_offers_todays_waitlisted_bookings(ok, store, desk) -> None:
    meeting = ok("session", "add", "--service", "yoga-flow", "--start", f"{TODAY} 18:00")["id"]
    for who in ("zoe", "paul", "ada"):
        ok("session", "book", "--session", meeting, "--contact", desk[who])
    waiting = ok("session", "book", "--session", meeting, "--contact", desk["adam"], "--waitlist")["id"]
    assert candidates(store, "waitlist", "accept", "") == [(waiting, "18:00 Adam Rossi, Yoga Flow (waitlisted)")]


def test_plans_and_schedules_offer_their_ids_with_what_they_are(ok, store) -> None:
    ok("plan", "add", "Ten classes", "--kind", "pack", "--sessions", "10", "--price", "150")
    ok("schedule", "add", "--service", "yoga-flow", "--days", "mon,wed", "--at", "18:00", "--from", "2026-11-30",
       "--count", "4")
    assert candidates(store, "plan", "show", "") == [("pl-1", "Ten classes")]
    assert candidates(store, "schedule", "show", "") == [("sch-1", "Yoga Flow mon,wed 18:00")]


def test_a_command_name_still_completes(store) -> None:
    assert ("checkin", "Mark that the client arrived.") in candidates(store, "session", "ch")


# --- completing changes nothing and needs nothing -------------------------------------------------------------


def test_completing_leaves_the_store_byte_identical(store, desk) -> None:
    before = tree_digest(store)
    for words in (("session", "checkin", ""), ("session", "book", "--contact", "Zo"), ("session", "book", "--service", ""),
                  ("session", "list", "--staff", ""), ("session", "move", ""), ("plan", "show", "")):
        complete(store, *words)
    assert tree_digest(store) == before


@pytest.mark.backends("files")
def test_completing_takes_no_lock_so_a_busy_store_still_completes(store, desk) -> None:
    from filelock import FileLock

    held = FileLock(str(store / ".bookctl.lock"), timeout=0)
    held.acquire()
    try:
        started = time.monotonic()
        assert values(store, "session", "checkin", "") == [desk["b_zoe"], desk["b_paul"]]
        assert time.monotonic() - started < 10  # the lock's timeout would be spent otherwise
    finally:
        held.release()


def test_no_store_completes_nothing_and_says_nothing(tmp_path: Path) -> None:
    for store in (tmp_path / "nowhere", None):
        result = complete(store, "session", "checkin", "")
        assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "", "")


@pytest.mark.backends("files")
def test_a_damaged_store_completes_nothing_and_says_nothing(store, desk) -> None:
    (store / "data" / "days" / "2026" / f"{TODAY}.json").write_text("{not json")
    (next((store / "data" / "contacts").glob("*.json"))).write_text("[]")
    for words in (("session", "checkin", ""), ("session", "book", "--contact", "")):
        result = complete(store, *words)
        assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "", "")


@pytest.mark.backends("files")
def test_an_interrupted_commit_is_left_for_a_command_to_recover(store, desk) -> None:
    from bookctl.storage.files import journal

    (store / journal.JOURNAL_NAME).write_text('{"entries": []}')
    before = tree_digest(store)
    result = complete(store, "session", "checkin", "")
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "", "")
    assert tree_digest(store) == before  # the journal is still there for the next command to finish


# --- the shells ---------------------------------------------------------------------------------------------------


@pytest.fixture
def on_path(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH finds `bookctl` (this interpreter's), as an installed one would be."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "bookctl"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m bookctl "$@"\n')
    shim.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


def _bash_reply(store: Path, env: dict[str, str], *words: str) -> list[str]:
    """COMPREPLY after the script `bookctl --show-completion bash` prints completes the last of `words`."""
    array = " ".join("'" + w.replace("'", "'\\''") + "'" for w in ("bookctl", *words))
    program = (f'source <(bookctl --show-completion bash)\nCOMP_WORDS=({array})\nCOMP_CWORD={len(words)}\n'
               '_bookctl_completion bookctl\nprintf "%s\\n" "${COMPREPLY[@]}"\n')
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True,
                            env=_env(store, **env), timeout=60)
    assert result.returncode == 0 and result.stderr == "", result
    return result.stdout.splitlines()


def test_bash_lists_several_candidates_with_their_descriptions(store, desk, on_path) -> None:
    assert _bash_reply(store, on_path, "session", "checkin", "") == [
        f"{desk['b_zoe']}  -- 15:00 Zoë Martin, Physiotherapy",
        f"{desk['b_paul']}  -- 17:00 Paul Martin, Physiotherapy",
    ]


def test_bash_inserts_a_single_candidate_bare(store, desk, on_path) -> None:
    assert _bash_reply(store, on_path, "session", "checkin", "zoe") == [desk["b_zoe"]]


def test_bash_keeps_a_typed_name_that_several_contacts_match(store, desk, on_path) -> None:
    assert _bash_reply(store, on_path, "session", "book", "--contact", "martin") == [
        f"{desk['zoe']}  -- Zoë Martin", f"{desk['paul']}  -- Paul Martin", "martin",
    ]


def test_tab_in_an_interactive_bash_completes_a_clients_booking(store, desk, on_path, tmp_path: Path) -> None:
    import pty

    rc = tmp_path / "bashrc"
    rc.write_text("PS1='$ '\nsource <(bookctl --show-completion bash)\n")
    pid, fd = pty.fork()
    if pid == 0:  # the child: an interactive bash reading our rc file
        os.execvpe("bash", ["bash", "--noprofile", "--rcfile", str(rc), "-i"],
                   {**_env(store, **on_path), "TERM": "dumb", "INPUTRC": "/dev/null"})
    try:
        _read_until(fd, b"$ ")
        os.write(fd, b"bookctl session checkin zo\t")
        assert desk["b_zoe"].encode() in _read_until(fd, desk["b_zoe"].encode())
        os.write(fd, b"\x15bookctl session checkin \t")  # Tab inserts what the ids share ...
        _read_until(fd, f"b-{TODAY.replace('-', '')}-".encode())
        os.write(fd, b"\t\t")  # ... and Tab again lists them
        listed = _read_until(fd, b"Paul Martin")
        assert "15:00 Zoë Martin, Physiotherapy".encode() in listed
    finally:
        os.write(fd, b"\x15exit\n")
        os.waitpid(pid, 0)
        os.close(fd)


def test_tab_offers_no_file_names_for_an_id_with_no_candidates_but_still_for_a_file(store, desk, on_path,
                                                                                    tmp_path: Path) -> None:
    import pty

    here = tmp_path / "desk"
    here.mkdir()
    (here / "notes.txt").write_text("")
    rc = tmp_path / "bashrc"
    rc.write_text(f"PS1='$ '\ncd '{here}'\nsource <(bookctl --show-completion bash)\n")
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe("bash", ["bash", "--noprofile", "--rcfile", str(rc), "-i"],
                   {**_env(store, **on_path), "TERM": "dumb", "INPUTRC": "/dev/null"})
    try:
        _read_until(fd, b"$ ")
        os.write(fd, b"bookctl session checkin no\t\t")  # no client of today is a "no..."
        time.sleep(1)
        os.write(fd, b"\x15echo one-done\n")
        assert b"notes.txt" not in _read_until(fd, b"one-done\r\n")
        os.write(fd, b"bookctl contact attach c-1 no\t")
        assert b"notes.txt" in _read_until(fd, b"notes.txt")
    finally:
        os.write(fd, b"\x15exit\n")
        os.waitpid(pid, 0)
        os.close(fd)


def _read_until(fd: int, wanted: bytes, timeout: float = 30) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen


def test_zsh_is_answered_with_descriptions(store, desk) -> None:
    result = complete(store, "session", "list", "--staff", "", shell="zsh")
    assert result.stdout.strip() == ("_arguments '*: :((\"giulia-romano\":\"Giulia Romano\"\n"
                                     "\"sanne-de-vries\":\"Sanne de Vries\"))'")


def test_fish_is_answered_with_descriptions(store, desk) -> None:
    result = complete(store, "session", "checkin", "", shell="fish")
    assert result.stdout.splitlines() == [f"{desk['b_zoe']}\t15:00 Zoë Martin, Physiotherapy",
                                          f"{desk['b_paul']}\t17:00 Paul Martin, Physiotherapy"]


def test_zsh_and_fish_offer_no_file_names_for_an_id_with_no_candidates(store, desk) -> None:
    assert complete(store, "session", "checkin", "nobody", shell="zsh").stdout.strip() == ""
    assert complete(store, "contact", "attach", desk["zoe"], "", shell="zsh").stdout.strip() == "_files"
    fish = {words: complete(store, *words, shell="fish", _TYPER_COMPLETE_FISH_ACTION="is-args").returncode
            for words in (("session", "checkin", "nobody"), ("session", "checkin", ""), ("contact", "attach", "c-1", ""))}
    assert list(fish.values()) == [0, 0, 1]  # 0: only these arguments; 1: fish offers file names


@pytest.mark.parametrize(("shell", "says"), [
    ("bash", "complete -o default -F _bookctl_completion bookctl"),
    ("zsh", "compdef _bookctl_completion bookctl"),
    ("fish", "complete --command bookctl --no-files"),
])
def test_show_completion_prints_the_named_shells_script(bookctl, shell: str, says: str) -> None:
    result = bookctl("--show-completion", shell)
    assert result.exit_code == 0, result.stderr
    assert says in result.stdout and f"_BOOKCTL_COMPLETE=complete_{shell}" in result.stdout


def test_show_completion_alone_prints_the_script_of_the_shell_it_runs_under(on_path) -> None:
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", "bookctl --show-completion"], capture_output=True,
                            text=True, env=_env(None, **on_path), timeout=60)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.rstrip().endswith("complete -o default -F _bookctl_completion bookctl")


def test_an_unknown_shell_is_bad_usage(bookctl) -> None:
    result = bookctl("--show-completion", "tcsh")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "error: no completion for the shell 'tcsh'; choose bash, zsh or fish\n"


def test_install_completion_for_bash_writes_the_script_and_sources_it_once(bookctl, tmp_path: Path,
                                                                          monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".bashrc").write_text("alias ll='ls -l'")
    for _ in range(2):
        result = bookctl("--install-completion", "bash")
        assert result.exit_code == 0, result.stderr
    script = tmp_path / ".bash_completions" / "bookctl.sh"
    assert result.stdout == f"bash completion installed in {script}; it takes effect in a new shell\n"
    assert "_bookctl_completion" in script.read_text()
    assert (tmp_path / ".bashrc").read_text() == f"alias ll='ls -l'\nsource '{script}'\n"


def test_install_completion_for_fish_writes_its_completions_file(bookctl, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert bookctl("--install-completion", "fish").exit_code == 0
    assert "complete_fish" in (tmp_path / ".config" / "fish" / "completions" / "bookctl.fish").read_text()


# --- start-up -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--version"], ["session", "list", "--format", "json"]])
def test_running_a_command_imports_no_completion_code(store, args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "bookctl", *args], capture_output=True,
                            text=True, env=_env(store), timeout=60)
    assert result.returncode == 0, result.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "bookctl.cli" in imported
    assert not imported & {"bookctl.commands._complete", "bookctl.services.completion"}
