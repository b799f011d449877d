"""Typed errors, and every exit code in one place. The library raises the errors; only the CLI
turns them into messages and exit codes. README.md ("Exit codes") lists the same table, and
tests/test_cli.py checks that it does."""

EXIT_OK = 0
EXIT_FAILED = 1  # a facetension error of no more specific kind; `forget` not confirmed
EXIT_USAGE = 2  # a usage mistake: argparse's own code, and options that contradict each other
EXIT_INTERNAL = 70  # a bug (sysexits' EX_SOFTWARE): please report it
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)


class FacetensionError(Exception):
    """Base class: every error facetension means to report to a person."""

    exit_code = EXIT_FAILED


class InputError(FacetensionError):
    """An input path that cannot be read as an image or a video (or a file to import)."""

    exit_code = 8


class ModelError(FacetensionError):
    """The Face Landmarker model file is missing, corrupt or not the expected one."""

    exit_code = 3


class NoUsableFaceError(FacetensionError):
    """The input was read, but no face in it can be measured."""

    exit_code = 4


class CameraError(FacetensionError):
    """A camera could not be opened, is busy, or was lost."""

    exit_code = 5


class StorageError(FacetensionError):
    """The session log cannot be opened, read or written (damaged, locked, read-only, full
    disk, made by a newer facetension, or an export that cannot be imported)."""

    exit_code = 6


class OutputError(FacetensionError):
    """A file the user asked for (an export, a report, a baseline file) cannot be written, or
    would replace something it must not (an existing file without --force, a link, a device)."""

    exit_code = 7


EXIT_CODES = {  # code → what it means, as README.md says it
    EXIT_OK: "done",
    EXIT_FAILED: "not done (e.g. `forget` not confirmed)",
    EXIT_USAGE: "a usage mistake (an unknown option, an impossible number)",
    3: "the model file is missing or damaged",
    4: "no usable face in the input",
    5: "no camera, a busy camera, or a camera lost mid-session",
    6: "the log cannot be opened, read or written, or an export cannot be imported",
    7: "an output file cannot, or must not, be written",
    8: "an input file cannot be read (or a video ended before a session was complete)",
    EXIT_INTERNAL: "an internal error: a bug, please report it",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}


class LogBusyError(StorageError):
    """A session is already being recorded into this log by another window or process."""


class NoLogError(StorageError):
    """There is no log yet at this path (nothing has been recorded)."""


class LogNeedsUpgradeError(StorageError):
    """The log was made by an older facetension: a command that writes upgrades it."""


class UnknownSessionError(StorageError):
    """No session with this number in the log."""
