"""Run a command as this interpreter's only child; write the child's peak RSS (KB) to a file.

Usage: `python measure.py REPORT_FILE COMMAND...`. stdio is inherited, the exit code passed on.
A script of its own (not imported by the tests), so that no other child has ever been waited for
when `getrusage(RUSAGE_CHILDREN)` is read.
"""

import resource
import subprocess
import sys
from pathlib import Path

if __name__ == "__main__":
    code = subprocess.call(sys.argv[2:])
    Path(sys.argv[1]).write_text(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
    sys.exit(code)
