"""Writing a command's output to stdout when stdout may fail.

A reader that went away (`| head`) is no error of ours: the command ends quietly. Any other failed
write (`> /dev/full`, a closed descriptor) is one line on stderr and exit 1, never a traceback.
Either way stdout is pointed at /dev/null afterwards, so that the interpreter's own flush at exit
does not fail again on the bytes still buffered.
"""

from __future__ import annotations

import contextlib
import os
import sys

EXIT_FAILED = 1


def write_stdout(data: bytes) -> int:
    """Write `data` to stdout and flush; 0, or `EXIT_FAILED` when it could not be written."""
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        return EXIT_FAILED
    except OSError as error:
        report_failure(error)
        return EXIT_FAILED
    return 0


def report_failure(error: OSError) -> None:
    """The one line for a stdout write that failed; stdout is silenced."""
    silence_stdout()
    with contextlib.suppress(OSError):
        sys.stderr.write(f"aijora-tui: error: cannot write to stdout ({error.strerror or error})\n")
        sys.stderr.flush()


def silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
