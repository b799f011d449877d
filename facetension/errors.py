"""Typed errors. The library raises them; only the CLI turns them into messages and exit codes."""


class FacetensionError(Exception):
    """Base class: every error facetension means to report to a person."""

    exit_code = 1


class InputError(FacetensionError):
    """An input path that cannot be read as an image or a video."""

    exit_code = 2


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


class LogBusyError(StorageError):
    """A session is already being recorded into this log by another window or process."""


class NoLogError(StorageError):
    """There is no log yet at this path (nothing has been recorded)."""


class UnknownSessionError(StorageError):
    """No session with this number in the log."""
