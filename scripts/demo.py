"""`make demo`: the whole deploy flow on a local AWS emulator, in about a minute, with no AWS account.

Starts moto's server on a free port of 127.0.0.1 (tests/support/emulator.py, test support that the
product never imports), then runs the real
`iotstack` command against it with dummy credentials and AWS_ENDPOINT_URL: deploy dev, show its
status and outputs, deploy again (nothing to do), destroy. The emulator stops at the end.
"""

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project root: tests.support
from tests.support import emulator

IOTSTACK = str(Path(sys.executable).with_name("iotstack"))
STEPS = [
    ("Deploy dev: a change set, its changes, the events, the outputs", ["deploy", "--env", "dev", "--yes"]),
    ("What is deployed, against the committed template", ["status", "--env", "dev"]),
    ("Deploy again: nothing changed, so nothing to do (exit 0)", ["deploy", "--env", "dev", "--yes"]),
    ("Destroy dev (dev.toml turns termination and deletion protection off)", ["destroy", "--env", "dev", "--yes"]),
]


def main() -> int:
    with emulator.running() as endpoint:
        # No AWS_* setting of the shell (a profile, a service-specific endpoint) may reach real AWS.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(emulator.dummy_credentials(), AWS_ENDPOINT_URL=endpoint)
        print(f"AWS emulator (moto) on {endpoint}; nothing leaves this machine.\n", flush=True)
        for title, args in STEPS:
            print(f"$ iotstack {' '.join(args)}    # {title}", flush=True)
            code = subprocess.run([IOTSTACK, *args], env=env, check=False).returncode
            print(f"(exit {code})\n", flush=True)
            if code:
                return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
