"""`facetension history | journal | export | import | forget`: the session log on the command line.

Thin, in the manner of the rest of the CLI: each command opens the log (read-only for history
and export), calls storage, and prints. Library errors (StorageError and its kinds) travel up
to cli.main, which prints them and picks the exit code. Usage mistakes (a bad pain value, an
unknown tag) are said here with exit status 2.

Also the questions the end of a practice session asks for the journal (prompt_journal): the
same as `facetension journal` asks at a terminal.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from . import __version__, argtypes, logexport, outputs
from .cli_common import add_db_option, add_since_option
from .errors import EXIT_FAILED as EXIT_NOT_CONFIRMED
from .errors import EXIT_USAGE, InputError, LogNeedsUpgradeError, NoLogError, StorageError, UnknownSessionError
from .habit import habit_from, habit_sentence
from .metrics import REGIONS
from .safetext import printable
from .storage import (
    BUILTIN_TAGS,
    KEEP,
    PAIN_RANGE,
    Journal,
    Log,
    Measures,
    SessionRecord,
    resolve_path,
    validate_pain,
    validate_tag,
)
from .wording import REGION_SHORT, clock, count

JOURNAL_FIELDS = ("pain_before", "pain_after", "tags", "note")
CLEAR = "-"  # answering this to a journal question empties the field


# -- formatting ------------------------------------------------------------------------
def _when(r: SessionRecord) -> str:
    """The local date and time the session started, as the user lived it."""
    return r.started_local[:16].replace("T", " ")


def _pair(before, after, decimals: int = 0, sign: bool = False) -> str:
    def show(v):
        if v is None:
            return "–"
        v = round(v, decimals) + 0.0  # -0.01 to one decimal shows as +0.0, not -0.0
        return f"{v:{'+' if sign else ''}.{decimals}f}"

    return f"{show(before)} → {show(after)}"


def describe(r: SessionRecord) -> str:
    return f"session {r.id} ({_when(r)}, {r.kind}, {clock(r.duration_s)}, {r.status})"


def history_text(records: list[SessionRecord]) -> str:
    lines = []
    for r in records:
        lines.append(
            f"#{r.id:<4} {_when(r)}  {r.kind:<9} {clock(r.duration_s):>6}  {r.status}"
            + (f"  from {r.source}" if r.source.startswith("camera") else f"  from video {printable(r.source)}")
        )
        b, a = r.before or Measures(), r.after or Measures()
        numbers = []
        if r.before or r.after:
            numbers += [
                f"asymmetry index {_pair(b.asymmetry_index, a.asymmetry_index)}",
                f"tension index {_pair(b.tension_index, a.tension_index)}",
            ]
        if r.twitches is not None:
            numbers.append(f"twitches {r.twitches}")
        if r.relax_s:
            numbers.append(f"relaxed {clock(r.relaxed_s)} of {clock(r.relax_s)}")
        if numbers:
            lines.append("      " + "   ".join(numbers))
        if r.massage_s:
            after = r.after_massage.tension_index if r.after_massage else None
            lines.append(f"      massage {clock(r.massage_s)}   tension index {_pair(b.tension_index, after)} after it")
        diffs = [
            f"{REGION_SHORT[g]} {_pair(b.diffs.get(g), a.diffs.get(g), 1, sign=True)}"
            for g in REGIONS
            if g in b.diffs or g in a.diffs
        ]
        if diffs:
            lines.append("      L−R mm: " + ", ".join(diffs))
        j = r.journal
        if j != Journal():
            said = []
            if j.pain_before is not None or j.pain_after is not None:
                said.append(f"pain {_pair(j.pain_before, j.pain_after)}")
            if j.tags:
                said.append("tags: " + ", ".join(j.tags))
            if j.note:
                said.append("note: " + printable(" ".join(j.note.split())))
            lines.append("      " + "   ".join(said))
    return "\n".join(lines)


def journal_text(r: SessionRecord, j: Journal) -> str:
    pain = lambda v: "–" if v is None else str(v)  # noqa: E731
    return "\n".join(
        [
            f"Journal for {describe(r)}",
            f"  pain before: {pain(j.pain_before)}   pain after: {pain(j.pain_after)}   (0 none – 10 worst)",
            f"  tags: {', '.join(j.tags) or '–'}",
            f"  note: {printable(j.note) or '–'}",
        ]
    )


# -- asking ----------------------------------------------------------------------------
def prompt_journal(
    log: Log,
    session_id: int,
    ask: tuple[str, ...] = JOURNAL_FIELDS,
    read: Callable[[str], str] | None = None,
    write: Callable[[str], None] | None = None,
) -> Journal:
    """Ask for the journal's fields in `ask` (pain_before, pain_after, tags, note) and save the
    answers. Enter keeps what is there, '-' empties it. End of input stops asking and saves what
    was answered. Returns the entry as saved. read/write default to input() and print()."""
    read, write = read or input, write or print
    current = log.journal(session_id)
    known = log.known_tags()
    changes: dict = {}
    try:
        for name in ask:
            if name in ("pain_before", "pain_after"):
                changes[name] = _ask_pain(name, getattr(current, name), read, write)
            elif name == "tags":
                changes[name] = _ask_tags(current.tags, known, read, write)
            elif name == "note":
                answer = read(f"Note{_shown(current.note)}: ").strip()
                changes[name] = KEEP if not answer else ("" if answer == CLEAR else answer)
            else:
                raise ValueError(f"unknown journal field {name!r}")
    except EOFError:
        write("")
    return log.set_journal(session_id, **changes)


def _shown(value) -> str:
    return f" [{value}]" if value not in (None, "", ()) else ""


def _ask_pain(name: str, current: int | None, read, write):
    when = "before" if name == "pain_before" else "after"
    while True:
        answer = read(f"Pain {when} the session, {PAIN_RANGE[0]} (none) to {PAIN_RANGE[1]} (worst){_shown(current)}: ")
        answer = answer.strip()
        if not answer:
            return KEEP
        if answer == CLEAR:
            return None
        try:
            return validate_pain(int(answer))
        except ValueError:
            write(f"Please give a whole number from {PAIN_RANGE[0]} to {PAIN_RANGE[1]} (or Enter to skip).")


def _ask_tags(current: tuple[str, ...], known: tuple[str, ...], read, write):
    write("What may have played a part? " + ", ".join(known) + " (or your own words)")
    while True:
        answer = read(f"Tags, separated by commas{_shown(', '.join(current))}: ").strip()
        if not answer:
            return KEEP
        if answer == CLEAR:
            return ()
        try:
            tags = [validate_tag(t) for t in answer.replace(";", ",").split(",") if t.strip()]
        except ValueError as exc:
            write(f"{exc}")
            continue
        new = [t for t in tags if t not in known]
        if new and read(
            f"New tag{'s' if len(new) > 1 else ''} {', '.join(new)}: add as your own? [y/N] "
        ).strip().lower() not in ("y", "yes"):
            continue
        return tuple(tags)


def _confirm(question: str) -> bool | None:
    """True/False from the person at a terminal; None when there is no terminal to ask."""
    if not sys.stdin or not sys.stdin.isatty():
        return None
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _stdout_gone() -> int:
    """The reader of our output left (`facetension history | head`): stop quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit does not fail again
    except (OSError, ValueError):
        pass
    return 0


def _existing(db, sessions=()) -> Path:
    """The log a command that edits it works on; one that is not there is not created."""
    path = resolve_path(db)
    try:
        exists = path.exists()
    except OSError as exc:  # a name too long, a loop of links
        raise StorageError(f"cannot open the log {path}: {exc.strerror}") from None
    if not exists:
        raise NoLogError(f"there is no log at {path} yet: nothing has been recorded")
    # Read first: a session that is not there is said before the log is opened for writing
    # (which would upgrade an old or empty file), so a refused command changes nothing.
    try:
        with Log.open(path, readonly=True) as log:
            for sid in sessions:
                log.session(sid)
    except LogNeedsUpgradeError:
        pass  # only a write can upgrade it: the command's own open does, then checks
    return path


def _usage(message: str) -> int:
    print(f"facetension: {message}", file=sys.stderr)
    return EXIT_USAGE


# -- commands --------------------------------------------------------------------------
def cmd_history(args) -> int:
    try:
        log = Log.open(args.db, readonly=True)
    except NoLogError:
        if not args.json:
            print("No sessions recorded yet.")
        return 0
    with log:
        records = log.sessions(since=args.since, limit=args.limit)
        days = log.practice_days()  # the habit is about now: all of them, whatever --since says
        checks = log.check_count()
    try:
        if args.json:
            for r in records:
                print(json.dumps(r.to_json()))  # ASCII: any control character is escaped
        else:
            if records:
                print(history_text(records))
            else:
                print("No sessions" + (f" since {args.since}." if args.since else " recorded yet."))
            habit = habit_sentence(habit_from(days, date.today()))  # today: this computer's local date
            if habit:
                print(f"\n{habit}")
            if checks:
                print(f"\n{count(checks, 'movement check')} in the log: `facetension trend` shows them.")
        sys.stdout.flush()
    except BrokenPipeError:
        return _stdout_gone()
    return 0


def cmd_journal(args) -> int:
    edits = (
        any(v is not None for v in (args.pain_before, args.pain_after, args.note))
        or args.tag
        or args.new_tag
        or args.untag
        or args.clear_tags
    )
    with Log.open(_existing(args.db, () if args.session is None else (args.session,))) as log:
        session_id = args.session if args.session is not None else log.latest_session_id()
        if session_id is None:
            raise UnknownSessionError(f"there are no sessions in the log {log.path} yet")
        record = log.session(session_id)
        if edits:
            current = log.journal(session_id)
            known = log.known_tags()
            try:
                unknown = [t for t in map(validate_tag, args.tag) if t not in known]
                if unknown:
                    return _usage(
                        f"unknown tag {', '.join(unknown)} (known: {', '.join(known)}); "
                        f"to add your own, use --new-tag {unknown[0]}"
                    )
                tags = set() if args.clear_tags else set(current.tags)
                tags |= {validate_tag(t) for t in args.tag + args.new_tag}
                tags -= {validate_tag(t) for t in args.untag}
                entry = log.set_journal(
                    session_id,
                    pain_before=KEEP if args.pain_before is None else _pain_arg(args.pain_before, "pain before"),
                    pain_after=KEEP if args.pain_after is None else _pain_arg(args.pain_after, "pain after"),
                    tags=tags,
                    note=KEEP if args.note is None else args.note,
                )
            except ValueError as exc:
                return _usage(str(exc))
        elif sys.stdin and sys.stdin.isatty():
            print(f"Journal for {describe(record)} (Enter keeps an answer, '{CLEAR}' empties it)")
            entry = prompt_journal(log, session_id)
        else:
            entry = log.journal(session_id)
        print(journal_text(record, entry))
    return 0


def _pain_arg(text: str, which: str) -> int | None:
    if text == CLEAR:
        return None
    try:
        return validate_pain(int(text), which)
    except ValueError:
        raise ValueError(
            f"{which} is a whole number from {PAIN_RANGE[0]} (none) to {PAIN_RANGE[1]} (worst), "
            f"or '{CLEAR}' to empty it; got {text!r}"
        ) from None


def cmd_export(args) -> int:
    out = Path(args.out) if args.out else None
    if args.format == "csv":
        if out is None:
            return _usage(
                "a CSV export is a folder of CSV files (sessions, samples, events, baselines): "
                "give its name with --out FOLDER"
            )
        if out.suffix.lower() == ".csv":
            return _usage(f"{out}: a CSV export is a folder of CSV files; give a folder name")
    if out is not None:  # before reading the log: refuse early, and write nothing
        outputs.check_target(out, force=args.force, folder=args.format == "csv")
        outputs.check_not_inside(out, resolve_path(args.db), "your log")
    with Log.open(args.db, readonly=True) as log:
        if args.format == "csv":
            tables = log.export_tables(since=args.since)
        else:
            tables = log.export_tables(since=args.since, null_text="null", quote_text=True)
        if args.format == "csv":
            with outputs.private_folder(out, force=args.force) as folder:
                logexport.write_csv(tables, folder, __version__)
        elif out is None:
            try:
                logexport.write_json(tables, sys.stdout, __version__)
                sys.stdout.flush()
            except BrokenPipeError:
                return _stdout_gone()
        else:
            with outputs.private_file(out, force=args.force) as f:
                logexport.write_json(tables, f, __version__)
    if out is not None:
        counts = {name: len(rows) for name, rows in tables.items()}
        checks = f", {count(counts['checks'], 'movement check')}" if counts["checks"] else ""
        print(
            f"Exported {count(counts['sessions'], 'session')} ({count(counts['samples'], 'second')} of samples, "
            f"{count(counts['events'], 'event')}){checks} and {count(counts['baselines'], 'baseline')} to {out}"
        )
    return 0


def cmd_import(args) -> int:
    path = Path(args.file)
    try:
        tables = logexport.read_export(path)
    except FileNotFoundError as exc:
        raise InputError(f"cannot read {exc.filename or path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    except (ValueError, KeyError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
        raise StorageError(f"{path} cannot be imported: {exc}; nothing was imported") from None
    with Log.open(args.db) as log:
        result = log.import_tables(tables, str(path))
    checks = f", {count(result.checks, 'movement check')}" if result.checks else ""
    print(
        f"Imported {count(result.sessions, 'session')} ({count(result.samples, 'second')} of samples, "
        f"{count(result.events, 'event')}){checks} and {count(result.baselines, 'baseline')} from {path} "
        f"into {log.path}" + (f"; {result.skipped} already there were left as they were" if result.skipped else "")
    )
    return 0


def cmd_forget(args) -> int:
    checks = getattr(args, "check", None) or []
    if args.all == bool(args.sessions or checks):
        return _usage("give the sessions (or --check N) to forget, or --all (not both)")
    with Log.open(_existing(args.db, args.sessions)) as log:
        if args.all:
            what = f"all {count(len(log.sessions()), 'session')} and {count(log.check_count(), 'movement check')}"
        elif checks and not args.sessions:
            what = ", ".join(f"movement check {i}" for i in sorted(set(checks)))
        else:
            found = {r.id: r for r in log.sessions(ids=args.sessions)}
            missing = sorted(set(args.sessions) - set(found))
            if missing:
                raise UnknownSessionError(f"there is no session {', '.join(map(str, missing))} in the log {log.path}")
            what = "; ".join(describe(found[i]) for i in sorted(found))
        if not args.yes:
            answer = _confirm(f"Forget {what}, with their samples, events and journal? This cannot be undone. [y/N] ")
            if answer is None:
                print(
                    "facetension: forget asks for a confirmation, and there is no terminal to ask in: "
                    "add --yes to confirm",
                    file=sys.stderr,
                )
                return EXIT_NOT_CONFIRMED
            if not answer:
                print("Nothing was deleted.")
                return EXIT_NOT_CONFIRMED
        n = log.forget(None if args.all else args.sessions) if args.all or args.sessions else 0
        n_checks = log.forget_checks(None if args.all else checks) if args.all or checks else 0
    said = [count(n, "session")] if args.all or args.sessions else []
    said += [count(n_checks, "movement check")] if args.all or checks else []
    print(f"Forgot {' and '.join(said)}." + (" Your baselines are kept." if args.all else ""))
    return 0


# -- argparse --------------------------------------------------------------------------
def register(sub) -> None:
    """Add history, journal, export, import and forget to cli's subparsers."""
    h = sub.add_parser(
        "history",
        help="your sessions, newest first, with before/after numbers and journal",
        description="Your sessions, newest first: before and after numbers, twitches, pain and tags.",
    )
    h.add_argument("--json", action="store_true", help="one JSON object per session, one per line")
    add_since_option(h)
    h.add_argument("--limit", type=argtypes.limit, metavar="N", help="only the N newest sessions")
    add_db_option(h)
    h.set_defaults(func=cmd_history)

    j = sub.add_parser(
        "journal",
        help="add or edit a session's pain, tags and note",
        description="Add or edit pain (0 none to 10 worst), trigger tags and a note for a session "
        "(default: the latest). Without options, asks at a terminal. Built-in tags: " + ", ".join(BUILTIN_TAGS) + ".",
    )
    j.add_argument(
        "session", nargs="?", type=argtypes.session_number, metavar="SESSION", help="the session number (see history)"
    )
    j.add_argument("--pain-before", metavar="N", help=f"pain before the session, 0-10 ('{CLEAR}' empties it)")
    j.add_argument("--pain-after", metavar="N", help=f"pain after the session, 0-10 ('{CLEAR}' empties it)")
    j.add_argument("--tag", action="append", default=[], metavar="TAG", help="add a known tag (repeatable)")
    j.add_argument("--new-tag", action="append", default=[], metavar="TAG", help="add a tag of your own (repeatable)")
    j.add_argument("--untag", action="append", default=[], metavar="TAG", help="remove a tag (repeatable)")
    j.add_argument("--clear-tags", action="store_true", help="remove every tag first")
    j.add_argument("--note", metavar="TEXT", help="the note (replaces it; '' empties it)")
    add_db_option(j)
    j.set_defaults(func=cmd_journal)

    e = sub.add_parser(
        "export",
        help="write sessions, per-second samples and events to CSV or JSON",
        description="Export the log: one JSON file (to stdout without --out), or a folder of CSV "
        "files (sessions, samples, events, baselines) that pandas.read_csv loads. "
        "`facetension import` reads either back.",
    )
    e.add_argument("--format", choices=("csv", "json"), required=True)
    add_since_option(e)
    e.add_argument("--out", metavar="PATH", help="the JSON file, or the CSV folder (owner-only)")
    e.add_argument("--force", action="store_true", help="replace an existing file or folder at --out")
    add_db_option(e)
    e.set_defaults(func=cmd_export)

    i = sub.add_parser(
        "import",
        help="read an export back (a new laptop, a backup)",
        description="Add the sessions of an export (a JSON file or a CSV folder) to the log. "
        "Sessions already there are left as they are.",
    )
    i.add_argument("file", metavar="FILE", help="the JSON export, or the CSV export's folder")
    add_db_option(i)
    i.set_defaults(func=cmd_import)

    f = sub.add_parser(
        "forget",
        help="delete sessions, after a confirmation",
        description="Delete sessions with their samples, events and journal, for good. "
        "Asks first; --yes skips the question. Baselines are kept.",
    )
    f.add_argument(
        "sessions", nargs="*", type=argtypes.session_number, metavar="SESSION", help="session numbers (see history)"
    )
    f.add_argument("--check", type=argtypes.session_number, action="append", metavar="N", help="a movement check")
    f.add_argument("--all", action="store_true", help="every session and every movement check")
    f.add_argument("--yes", action="store_true", help="do not ask for a confirmation")
    add_db_option(f)
    f.set_defaults(func=cmd_forget)
