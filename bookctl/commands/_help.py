"""What every `--help` ends with: one example line, as `gh` shows, and the exit codes the command can
return. One table for the whole tree, applied to each command as its sub-command loads (cli.py), so a
new command without an example fails tests/cli/test_help.py rather than going out without one."""

from __future__ import annotations

from typing import Any

# The contract's exit codes, in the words `--help` uses.
MEANINGS = {
    0: "ok",
    1: "refused by a business rule",
    2: "bad usage or invalid input",
    3: "not found",
    4: "store problem (none found, locked, unreadable, newer schema)",
    5: "payment provider or mail server unreachable or failed",
}

# One example per command and per group, by command path (the root is "").
EXAMPLES: dict[str, str] = {
    "": "bookctl session list --day 2026-11-24",
    "init": "bookctl init ~/studio --business 'Studio Verde' --currency EUR --timezone Europe/Rome",
    "doctor": "bookctl doctor --store ~/studio",
    "config": "bookctl config set email.mode smtp",
    "config show": "bookctl config show --format json",
    "config set": "bookctl config set email.sender desk@studio.example",
    "service": "bookctl service add 'Yoga Flow' --kind class --capacity 12 --price 18 --duration 60",
    "service add": "bookctl service add Physiotherapy --price 65 --duration 45 --deposit 20 --no-show-fee 30",
    "service list": "bookctl service list --all",
    "service show": "bookctl service show yoga-flow",
    "service edit": "bookctl service edit physiotherapy --price 70",
    "service remove": "bookctl service remove pilates",
    "staff": "bookctl staff hours giulia-romano --mon 09:00-13:00,14:00-18:00",
    "staff add": "bookctl staff add 'Giulia Romano' --email giulia@studio.example",
    "staff list": "bookctl staff list --all",
    "staff hours": "bookctl staff hours giulia-romano --mon 09:00-13:00,14:00-18:00 --sat off",
    "staff off": "bookctl staff off giulia-romano --from '2026-12-24 00:00' --to '2026-12-27 00:00' --reason holiday",
    "staff show": "bookctl staff show giulia-romano",
    "staff edit": "bookctl staff edit giulia-romano --email giulia.romano@studio.example",
    "staff remove": "bookctl staff remove sanne-de-vries",
    "contact": "bookctl contact list --search zoë",
    "contact add": "bookctl contact add --first-name Zoë --last-name Martin --email zoe@example.org",
    "contact list": "bookctl contact list --label VIP --search martin",
    "contact show": "bookctl contact show c-12",
    "contact edit": "bookctl contact edit c-12 --phone '+39 333 123 4567'",
    "contact delete": "bookctl contact delete c-12 --erase --yes",
    "contact add-field": "bookctl contact add-field c-12 shoe-size 42 --type number",
    "contact remove-field": "bookctl contact remove-field c-12 email zoe@old.example",
    "contact label": "bookctl contact label c-12 VIP 'Morning class'",
    "contact unlabel": "bookctl contact unlabel c-12 VIP",
    "contact attach": "bookctl contact attach c-12 ~/scans/referral.pdf",
    "contact attachments": "bookctl contact attachments c-12",
    "contact attachment": "bookctl contact attachment get a-3 --output referral.pdf",
    "contact attachment get": "bookctl contact attachment get a-3 --output referral.pdf",
    "contact bookings": "bookctl contact bookings c-12 --upcoming",
    "contact form-responses": "bookctl contact form-responses c-12",
    "contact passes": "bookctl contact passes zoe@example.org",
    "contact note": "bookctl contact note add c-12 'Prefers mornings'",
    "contact note add": "bookctl contact note add c-12 'Knee better after 3 sessions' --type meeting-summary",
    "contact note list": "bookctl contact note list c-12",
    "contact task": "bookctl contact task list --overdue",
    "contact task add": "bookctl contact task add c-12 'Call about the referral' --assignee giulia-romano --due 2026-11-27",
    "contact task list": "bookctl contact task list --open --assignee giulia-romano",
    "contact task done": "bookctl contact task done t-4",
    "label": "bookctl label list",
    "label list": "bookctl label list --format csv",
    "field": "bookctl field list",
    "field list": "bookctl field list --format json",
    "session": "bookctl session checkin b-20261124-3",
    "session add": "bookctl session add --service yoga-flow --start '2026-11-24 18:00' --staff giulia-romano",
    "session book": "bookctl session book --service physiotherapy --contact 'Zoë Martin' --start '2026-11-24 10:00'",
    "session list": "bookctl session list --day 2026-11-24 --staff giulia-romano",
    "session show": "bookctl session show b-20261124-3",
    "session checkin": "bookctl session checkin b-20261124-3",
    "session no-show": "bookctl session no-show b-20261124-3 --charge-fee",
    "session attendance": "bookctl session attendance b-20261124-3 booked",
    "session cancel": "bookctl session cancel b-20261124-3 --refund --charge-fee --notify",
    "session reschedule": "bookctl session reschedule b-20261124-3 --start '2026-11-26 10:00'",
    "session move": "bookctl session move s-20261124-2 --start '2026-11-24 19:00' --notify",
    "session slots": "bookctl session slots --service physiotherapy --from 2026-11-24 --to 2026-11-27 --first",
    "schedule": "bookctl schedule list",
    "schedule add": "bookctl schedule add --service yoga-flow --days mon,wed --at 18:00 --from 2026-11-23 --count 12",
    "schedule list": "bookctl schedule list --format json",
    "schedule show": "bookctl schedule show sch-1",
    "schedule extend": "bookctl schedule extend --weeks 8",
    "schedule skip": "bookctl schedule skip sch-1 2026-12-08 --refund --notify",
    "schedule edit": "bookctl schedule edit sch-1 --at 18:30 --move-booked --notify",
    "schedule end": "bookctl schedule end sch-1 --after 2027-06-30",
    "remind": "bookctl remind run --before 24h",
    "remind run": "bookctl remind run --before 24h --dry-run",
    "waitlist": "bookctl waitlist list s-20261124-2",
    "waitlist list": "bookctl waitlist list s-20261124-2",
    "waitlist accept": "bookctl waitlist accept b-20261124-9",
    "waitlist leave": "bookctl waitlist leave b-20261124-9",
    "waitlist sweep": "bookctl waitlist sweep",
    "demo": "bookctl demo seed --contacts 50 --bookings 200",
    "demo seed": "bookctl demo seed --contacts 500 --bookings 5000 --seed 7",
    "plan": "bookctl plan add 'Ten classes' --kind pack --sessions 10 --price 150 --valid-days 90",
    "plan add": "bookctl plan add Monthly --kind membership --price 60 --period month --unlimited",
    "plan list": "bookctl plan list --all",
    "plan show": "bookctl plan show 'ten classes'",
    "plan edit": "bookctl plan edit pl-1 --price 160",
    "plan archive": "bookctl plan archive pl-1",
    "plan sell": "bookctl plan sell 'Ten classes' --contact zoe@example.org --method card --card tok_visa",
    "plan expire": "bookctl plan expire",
    "plan renew": "bookctl plan renew --format json",
    "payment": "bookctl payment collect b-20261124-3 --method card --card tok_visa",
    "payment collect": "bookctl payment collect b-20261124-3 --method card --card tok_visa",
    "payment refund": "bookctl payment refund b-20261124-3 --amount 20 --reason 'late start'",
    "payment reconcile": "bookctl payment reconcile b-20261124-3",
    "payment list": "bookctl payment list --contact zoe@example.org --from 2026-11-01 --to 2026-11-30",
    "invoice": "bookctl invoice create --contact c-12 --booking b-20261124-3",
    "invoice create": "bookctl invoice create --contact c-12 --item 'Massage oil=12.50' --due 2026-12-15",
    "invoice list": "bookctl invoice list --format csv",
    "invoice show": "bookctl invoice show INV-0007",
    "invoice pay": "bookctl invoice pay INV-0007 --method bank-transfer",
    "invoice void": "bookctl invoice void INV-0007",
    "quote": "bookctl quote create --contact c-12 --item 'Ten sessions=600'",
    "quote create": "bookctl quote create --contact c-12 --item 'Ten sessions=600' --item 'Assessment=40'",
    "quote list": "bookctl quote list",
    "quote show": "bookctl quote show Q-0002",
    "quote accept": "bookctl quote accept Q-0002",
    "provider": "bookctl provider list",
    "provider list": "bookctl provider list --format json",
    "export": "bookctl export bookings --month 2026-11 --format csv --output november.csv",
    "export bookings": "bookctl export bookings --week 2026-W48 --format ics --output week.ics",
    "export contacts": "bookctl export contacts --label VIP --format vcf --output vip.vcf",
    "export ledger": "bookctl export ledger --month 2026-11 --format hledger --output 2026-11.journal",
    "import": "bookctl import contacts contacts.csv --dry-run",
    "import contacts": "bookctl import contacts google.csv --on-duplicate update --skip-invalid",
    "import bookings": "bookctl import bookings old-calendar.ics --service physiotherapy --dry-run",
    "report": "bookctl report revenue --by service --month 2026-11",
    "report attendance": "bookctl report attendance --by weekday --month 2026-11",
    "report revenue": "bookctl report revenue --by method --from 2026-01-01 --to 2026-12-31",
    "report clients": "bookctl report clients --lapsed-days 60 --output clients.html",
    "outbox": "bookctl outbox send",
    "outbox list": "bookctl outbox list",
    "outbox show": "bookctl outbox show m-20261124-101500-1",
    "outbox send": "bookctl outbox send",
    "webhook": "bookctl webhook add https://hooks.example.org/bookctl --events booking-created,payment",
    "webhook add": "bookctl webhook add https://hooks.example.org/bookctl --events booking-created,payment",
    "webhook list": "bookctl webhook list --deliveries",
    "webhook remove": "bookctl webhook remove wh-2",
    "webhook send": "bookctl webhook send --retry-failed",
    "store": "bookctl store copy --to postgresql://desk@127.0.0.1/studio",
    "store upgrade": "bookctl store upgrade",
    "store copy": "bookctl store copy --to postgresql://desk@127.0.0.1/studio",
}

# Commands that read and list without refusing anything: no exit 1.
_NEVER_REFUSE = frozenset({
    "config show", "service list", "staff list", "contact list", "label list", "field list", "schedule list",
    "invoice list", "quote list", "provider list", "outbox list", "webhook list", "demo seed", "plan list",
})
# Commands that may call a payment provider, send mail or deliver webhooks after their commit: exit 5.
_REACH_OUT = frozenset({
    "session book", "session no-show", "session cancel", "session reschedule", "session move", "schedule skip",
    "schedule edit", "waitlist leave", "waitlist sweep", "payment collect", "payment refund",
    "payment reconcile", "invoice pay", "remind run", "outbox send", "webhook send", "plan sell", "plan renew",
})
# Parameters naming a record that may not exist: exit 3.
_NAMES_A_RECORD = frozenset({
    "service", "staff", "contact", "contact_id", "booking", "session", "ref", "record_id", "task_id",
    "attachment_id", "schedule", "message", "webhook_id", "assignee", "plan", "services",
})
# What a code means for one command, where that differs from the contract's general words.
_OWN_MEANING: dict[str, dict[int, str]] = {
    "doctor": {4: "the store has problems (each is listed) or cannot be read"},
    "init": {4: "the directory already holds a store, or cannot be written"},
}


def exit_codes(path: str, parameter_names: set[str]) -> list[int]:
    """The exit codes the command at `path` (e.g. "session checkin") can return."""
    codes = {0, 2, 4}
    if path not in _NEVER_REFUSE:
        codes.add(1)
    if parameter_names & _NAMES_A_RECORD:
        codes.add(3)
    if path in _REACH_OUT:
        codes.add(5)
    return sorted(codes)


def epilog(path: str, parameter_names: set[str] | None) -> str:
    """The text that ends the command's `--help`: its example and, for a command (not a group), its
    exit codes. `\\b` keeps the formatter from re-flowing the lines."""
    example = EXAMPLES.get(path)  # test_help holds every command to having one; none never breaks a command
    lines = ["\b", "Example:", f"  {example}", ""] if example else []
    if parameter_names is not None:
        own = _OWN_MEANING.get(path, {})
        lines += ["\b", "Exit codes:"]
        lines += [f"  {code}  {own.get(code, MEANINGS[code])}" for code in exit_codes(path, parameter_names)]
    return "\n".join(lines)


def add_epilogs(command: Any, path: str) -> Any:
    """Give `command` and every command under it its epilog; returns `command`."""
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        command.epilog = epilog(path, {param.name for param in command.params})
        return command
    command.epilog = epilog(path, None)
    for name, sub in subcommands.items():
        add_epilogs(sub, f"{path} {name}".strip())
    return command
