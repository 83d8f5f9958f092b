"""`make demo`: the whole deploy flow on a local AWS emulator, in about a minute, with no AWS account.

Starts moto's server on a free port of 127.0.0.1 (tests/support/emulator.py, test support that the
product never imports), then runs the real
`iotstack` command against it with dummy credentials and AWS_ENDPOINT_URL: deploy dev, show its
status and outputs, deploy again (nothing to do), destroy; then rehearse prod: bootstrap the account
and region, deploy prod through the bootstrap bucket (its template is over the inline limit), show
its termination protection and stack policy, and see destroy refuse it. The emulator stops at the
end, which is prod's clean-up. It runs in a temporary copy of the project (environments and
templates), so the emulator's outputs never reach the project's ``outputs/``.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project root: tests.support
from tests.support import emulator  # noqa: E402 (after the path above)

IOTSTACK = str(Path(sys.executable).with_name("iotstack"))
STEPS = [  # (what it shows, the command, the exit code it should end with)
    ("Deploy dev: a change set, its changes, the events, the outputs", ["deploy", "--env", "dev", "--yes"], 0),
    ("What is deployed, against the committed template", ["status", "--env", "dev"], 0),
    ("Deploy again: nothing changed, so nothing to do", ["deploy", "--env", "dev", "--yes"], 0),
    ("Destroy dev (dev.toml turns termination and deletion protection off)", ["destroy", "--env", "dev", "--yes"], 0),
    # The prod rehearsal: its template is over CloudFormation's 51,200-byte inline limit.
    ("Bootstrap prod's account and region: the artifact bucket for large templates", ["bootstrap", "--env", "prod",
                                                                                        "--yes"], 0),
    ("Deploy prod: uploaded to the bootstrap bucket once, passed by TemplateURL", ["deploy", "--env", "prod", "--yes"],
     0),
    ("prod's status: termination protection and the stack policy are on", ["status", "--env", "prod"], 0),
    ("Destroy prod: refused, its termination protection is on (exit 1, by design)", ["destroy", "--env", "prod",
                                                                                     "--yes"], 1),
]  # fmt: skip


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="iotstack-demo-") as folder, emulator.running() as endpoint:
        # A copy of the project, so that the emulator's outputs never land in the real outputs/.
        shutil.copytree(ROOT / "environments", Path(folder) / "environments")
        shutil.copytree(ROOT / "templates", Path(folder) / "templates")
        (Path(folder) / "setup.cfg").write_text("[metadata]\nname = iotstack\n")
        # No AWS_* setting of the shell (a profile, a service-specific endpoint) may reach real AWS.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(emulator.dummy_credentials(), AWS_ENDPOINT_URL=endpoint)
        print(f"AWS emulator (moto) on {endpoint}; nothing leaves this machine.", flush=True)
        templates = [json.loads((ROOT / "templates" / f"{name}.json").read_text()) for name in ("dev", "prod")]
        said = (f'It accepts these types and creates nothing for them (their outputs read "{emulator.NOT_EMULATED}"; '
                "no alarm is evaluated, no email sent, no event published): "
                + ", ".join(emulator.not_created(*templates)))  # fmt: skip
        print(textwrap.fill(said, 100, subsequent_indent="  ") + "\n", flush=True)
        for title, args, expected in STEPS:
            print(f"$ iotstack {' '.join(args)}    # {title}", flush=True)
            code = subprocess.run([IOTSTACK, *args], env=env, cwd=folder, check=False).returncode
            print(f"(exit {code})\n", flush=True)
            if code != expected:
                print(f"demo failed: expected exit {expected}", file=sys.stderr)
                return code or 1
        print("Stopping the emulator: that is prod's clean-up (it is protected by design).", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
