"""The command line run in-process, and the one line it says on a failure."""

from facetension.cli import main


def run(capsys, *args) -> tuple[int, str, str]:
    """`facetension ARGS...`: exit code, stdout, stderr."""
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("facetension: ") and "Traceback" not in err, err
    return lines[0]
