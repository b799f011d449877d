"""No usage uploader in what facetension runs: the native code it ships with, and the syscalls it makes.

MediaPipe 0.10.35 (macOS) and every 1.x wheel link Google's Clearcut usage logger into
libmediapipe, which resolves play.googleapis.com at run time. A Python-level socket block
cannot see native code, so we scan the installed libraries' bytes and trace real runs.
"""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections import Counter
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"

# --- native libraries -------------------------------------------------------------------

# Matched case-insensitively, so written in lower case. All five occur in mediapipe 1.2.3's
# libmediapipe.so and in none of the native libraries of a clean install (0.10.31):
USAGE_UPLOADER_MARKERS = (
    b"play.googleapis.com",  # the Clearcut endpoint (https://play.googleapis.com/log)
    b"clearcut",  # CLEARCUT_LOG_SOURCE_NAME, clearcut-ecatcher-backend, ...
    b"httploggingclient",  # mediapipe::tasks::core::logging::google_internal::HttpLoggingClient
    b"mediapipelogextension",  # logs.proto.mediapipe.MediaPipeLogExtension, the uploaded event
    b"mediapipe/util/analytics",  # the analytics protos' source path
)
NATIVE_LIBRARY = re.compile(r"\.(so(\.[0-9][0-9a-z]*)*|dylib|pyd|dll)$", re.IGNORECASE)
SCAN_CHUNK_BYTES = 8 << 20  # big reads: the ~310 MB of libraries scan in about 2 s
ROOT_DISTRIBUTION = "facetension"
# These must each contribute native libraries, or the walk has gone wrong.
NATIVE_DISTRIBUTIONS = ("mediapipe", "opencv-python", "numpy")
MEDIAPIPE_LIBRARY_PREFIX = "libmediapipe."  # .so, .dylib or .dll: the library that carried it


def runtime_distributions(root=ROOT_DISTRIBUTION):
    """The installed distributions `root` needs at run time, transitively (extras left out:
    test-only tools such as pandas are never loaded by facetension)."""
    found, todo = {}, [root]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # not installed, so nothing of it can be loaded
        found[name] = dist
        for text in dist.requires or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return found


def native_libraries(distributions):
    """{resolved path: distribution name} for every native library the distributions installed."""
    libraries = {}
    for name, dist in distributions.items():
        assert dist.files is not None, f"{name} has no file list (RECORD), so it cannot be checked"
        for file in dist.files:
            if NATIVE_LIBRARY.search(file.name):
                path = Path(file.locate()).resolve()
                if path.is_file():
                    libraries.setdefault(path, name)
    return libraries


def find_markers(path, markers=USAGE_UPLOADER_MARKERS, chunk_bytes=SCAN_CHUNK_BYTES):
    """The markers (lower case) found anywhere in the file, case-insensitively."""
    overlap = max(map(len, markers)) - 1  # so a marker across two reads is still seen whole
    found, tail = set(), b""
    with open(path, "rb") as f:
        while chunk := f.read(chunk_bytes):
            window = tail + chunk.lower()
            found.update(marker for marker in markers if marker in window)
            tail = window[-overlap:]
    return found


def test_the_scanner_flags_a_library_carrying_the_uploader(tmp_path):
    fake = tmp_path / "libfake.so.1"
    fake.write_bytes(
        b"\x7fELF" + bytes(5000) + b"https://PLAY.googleapis.com/log\x00ClearcutUploader\x00" + bytes(5000)
    )
    clean = tmp_path / "libclean.so"
    clean.write_bytes(b"\x7fELF" + bytes(20000) + b"type.googleapis.com/google.protobuf.Any")
    assert NATIVE_LIBRARY.search(fake.name) and NATIVE_LIBRARY.search(clean.name)
    assert find_markers(fake) == {b"play.googleapis.com", b"clearcut"}
    assert find_markers(clean) == set()
    # Split across every possible read boundary, each marker is still found.
    for marker in USAGE_UPLOADER_MARKERS:
        data = bytes(97) + marker.upper() + bytes(97)
        for chunk_bytes in range(1, len(data) + 1, 7):
            fake.write_bytes(data)
            assert find_markers(fake, chunk_bytes=chunk_bytes) == {marker}, (marker, chunk_bytes)


def test_no_native_library_carries_a_usage_uploader():
    distributions = runtime_distributions()
    libraries = native_libraries(distributions)
    carriers = {
        f"{path} ({name})": sorted(m.decode() for m in markers)
        for path, name in libraries.items()
        if (markers := find_markers(path))
    }
    assert not carriers, f"usage uploader markers in: {carriers}"
    # The scan really covered what matters, libmediapipe above all.
    per_distribution = Counter(libraries.values())
    assert all(per_distribution[name] > 0 for name in NATIVE_DISTRIBUTIONS), per_distribution
    assert any(
        path.name.startswith(MEDIAPIPE_LIBRARY_PREFIX) and name == "mediapipe" for path, name in libraries.items()
    )


def test_installed_mediapipe_is_the_pinned_clean_version():
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    (pin,) = [Requirement(d) for d in dependencies if canonicalize_name(Requirement(d).name) == "mediapipe"]
    (spec,) = pin.specifier
    assert spec.operator == "==", f"mediapipe must stay pinned to one clean version, not {pin}"
    assert metadata.version("mediapipe") == spec.version


# --- system calls -----------------------------------------------------------------------

TRACED_SYSCALLS = "execve,socket,connect,sendto,sendmsg,sendmmsg"  # sendmmsg: glibc's resolver
# Local sockets only. AF_NETLINK (getifaddrs, if_nameindex) is not used today; should it
# appear, find out why before allowing it.
ALLOWED_SOCKET_FAMILIES = ("AF_UNIX",)
DNS_PORT = 53
# Local sockets that are name lookups all the same: glibc asks nscd, nss-resolve asks resolved.
RESOLVER_SOCKETS = ("/nscd/socket", "/run/systemd/resolve/")
STRACE_TIMEOUT_S = 300  # the runs take ~2 s and ~25 s; this only stops a hang
PROBE_DNS_CONNECT = (
    "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
    f"s.connect(('127.0.0.1', {DNS_PORT})); s.close()"
)
SYSCALL_LINE = re.compile(r"^(?:\[pid\s+)?\d+\]?\s+(?P<call>\w+)\((?P<args>.*)$")
SOCKET_FAMILY = re.compile(r"^\s*(?P<family>[A-Z0-9_]+)")
SA_FAMILY = re.compile(r"sa_family=(?P<family>[A-Z0-9_]+)")


def network_syscalls(lines):
    """(calls seen by name, offending lines) in `strace -f` output. Lines that are no call's
    start ("<... resumed>", signals) carry no address and are skipped."""
    calls, offending = Counter(), []
    for line in lines:
        match = SYSCALL_LINE.match(line)
        if not match:
            continue
        call, args = match["call"], match["args"]
        calls[call] += 1
        if call == "execve":
            continue
        if f"htons({DNS_PORT})" in args:
            offending.append(f"DNS: {line}")
        elif call == "socket":
            family = SOCKET_FAMILY.match(args)
            if not family or family["family"] not in ALLOWED_SOCKET_FAMILIES:
                offending.append(line)
        elif call == "connect":
            family = SA_FAMILY.search(args)
            if (
                not family
                or family["family"] not in ALLOWED_SOCKET_FAMILIES
                or any(path in args for path in RESOLVER_SOCKETS)
            ):
                offending.append(line)
        elif any(family not in ALLOWED_SOCKET_FAMILIES for family in SA_FAMILY.findall(args)):
            offending.append(line)  # sendto/sendmsg/sendmmsg to an address
    return calls, offending


def test_the_trace_parser_flags_network_calls_and_passes_local_ones():
    local = [
        '4242 execve("/usr/bin/python3", ["python3", "-m", "facetension"], 0x7ffd /* 40 vars */) = 0',
        "4242 socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 3",
        '4243 connect(3, {sa_family=AF_UNIX, sun_path="/tmp/.X11-unix/X0"}, 110) = 0',
        '4243 sendto(3, "\\1\\0", 2, MSG_NOSIGNAL, NULL, 0) = 2',
        "4243 <... connect resumed>) = 0",
        "4242 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4243} ---",
    ]
    calls, offending = network_syscalls(local)
    assert offending == [] and calls == {"execve": 1, "socket": 1, "connect": 1, "sendto": 1}
    network = [
        "4242 socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP) = 5",
        "4242 socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP) = 6",
        "4242 socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) = 7",
        ('[pid  4244] connect(5, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 0'),
        (
            "4244 connect(6, {sa_family=AF_INET6, sin6_port=htons(443), "
            'inet_pton(AF_INET6, "::1", &sin6_addr)}, 28 <unfinished ...>'
        ),
        '4244 connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT',
        (
            '4244 sendto(5, "\\x12\\x34", 40, 0, {sa_family=AF_INET, sin_port=htons(443), '
            'sin_addr=inet_addr("142.250.1.1")}, 16) = 40'
        ),
        (
            "4244 sendmmsg(5, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=..., "
            "iov_len=40}]}}], 2, MSG_NOSIGNAL) = 2"
        ),
    ]
    calls, offending = network_syscalls(network)
    # All but the sendmmsg, which names no address (its socket is already flagged).
    assert [line.removeprefix("DNS: ") for line in offending] == network[:-1]
    assert [line for line in offending if line.startswith("DNS: ")] == ["DNS: " + network[3]]


def facetension_command():
    """The console script pip installed for this interpreter (not a pyenv shim), else -m."""
    script = Path(sysconfig.get_path("scripts")) / ("facetension.exe" if os.name == "nt" else "facetension")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "facetension"]


def strace_options():
    """seccomp-bpf stops the traced program only at the traced calls (strace >= 5.3), so video
    decoding is not slowed tenfold by stopping at every read."""
    strace = shutil.which("strace")
    probe = subprocess.run(
        [strace, "--seccomp-bpf", "-f", "-qq", "-e", "trace=execve", "-o", os.devnull, sys.executable, "-c", "pass"],
        capture_output=True,
        check=False,
    )
    return [strace, "--seccomp-bpf"] if probe.returncode == 0 else [strace]


def traced_run(tmp_path, *args, command=None):
    """Run facetension (or `command`) under strace; return (completed process, calls seen,
    offending lines)."""
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed (CI installs it: apt-get install strace)")
    trace = tmp_path / "strace.txt"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["FACETENSION_DATA_DIR"] = str(tmp_path / "data")
    env["FACETENSION_DB"] = str(tmp_path / "data" / "facetension.db")
    run = subprocess.run(
        [
            *strace_options(),
            "-f",
            "-qq",
            "-e",
            f"trace={TRACED_SYSCALLS}",
            "-o",
            str(trace),
            *(command or facetension_command()),
            *map(str, args),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=STRACE_TIMEOUT_S,
        check=False,
    )
    assert run.returncode == 0, run.stderr  # the trace covers a whole, successful run
    calls, offending = network_syscalls(trace.read_text(errors="replace").splitlines())
    assert calls["execve"] > 0, "strace recorded nothing: the trace is not working"
    return run, calls, offending


def test_the_trace_catches_a_real_connect_to_port_53(tmp_path):
    # A UDP connect sends no packet, yet must show up: strace and parser agree on the format.
    _, calls, offending = traced_run(tmp_path, command=[sys.executable, "-c", PROBE_DNS_CONNECT])
    assert calls["socket"] >= 1 and calls["connect"] >= 1
    assert any(line.startswith("DNS: ") and "connect(" in line for line in offending), offending
    assert any("socket(AF_INET," in line for line in offending), offending


def test_analyze_under_strace_opens_no_network_socket(tmp_path):
    run, calls, offending = traced_run(tmp_path, "analyze", SAMPLES / "grace_hopper.jpg")
    assert "resting asymmetry index" in run.stdout
    assert offending == [], calls


def test_practice_under_strace_opens_no_network_socket(tmp_path):
    # The whole 45-s clip (~25 s of work): with --minutes the phases outlast it and it exits 2.
    run, calls, offending = traced_run(
        tmp_path,
        "practice",
        "--source",
        SAMPLES / "practice_demo.mp4",
        "--no-window",
        "--no-journal",
        "--no-checkin",
        "--db",
        tmp_path / "log.db",
    )
    assert "Session summary: completed" in run.stdout and (tmp_path / "log.db").is_file()
    assert offending == [], calls
