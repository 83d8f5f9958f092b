"""The pipeline to copy (.github/workflows): every file validates against GitHub's workflow schema,
offline, with check-jsonschema's vendored copy (pinned in setup.cfg), and .github/dependabot.yml
against Dependabot's; the validator catches a broken workflow; every action is pinned by a full commit
SHA with its release tag in a comment; everything installs from hashed lock files (requirements/),
the drift job its runtime dependencies only; and the pull-request comment script updates ONE
comment, found by its hidden marker, cut to GitHub's limit (run in Node.js, with a fake GitHub)."""

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
VALIDATOR = Path(sys.executable).parent / "check-jsonschema"
# Any network use fails: a proxy where nothing listens.
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}


def validate(path: Path, schema: str = "vendor.github-workflows") -> subprocess.CompletedProcess:
    return subprocess.run([str(VALIDATOR), "--builtin-schema", schema, str(path)],
                          capture_output=True, text=True, timeout=60, env={**os.environ, **OFFLINE})  # fmt: skip


def test_the_pipeline_has_its_two_workflows():
    assert [p.name for p in FILES] == ["drift.yml", "review.yml"]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_a_workflow_validates_against_githubs_schema(path):
    done = validate(path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok -- validation done" in done.stdout


RUN = {"runs-on": "ubuntu-latest", "steps": [{"run": "make check"}]}
BROKEN = {
    "a-job-without-runs-on": ({"steps": [{"run": "make check"}]}, "'runs-on' is a required property"),
    "a-step-with-uses-and-run": ({**RUN, "steps": [{"uses": "actions/checkout@v6", "run": "ls"}]}, "$.jobs.check"),
    "a-timeout-in-words": ({**RUN, "timeout-minutes": "soon"}, "'soon' is not of type 'number'"),
    "a-bad-permission": ({**RUN, "permissions": {"id-token": "writ"}}, "'writ' is not one of"),
}


@pytest.mark.parametrize("job, said", BROKEN.values(), ids=BROKEN)
def test_the_validator_catches_a_broken_workflow(tmp_path, job, said):
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump({"name": "broken", "on": "pull_request", "jobs": {"check": job}}))
    done = validate(path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert said in done.stdout


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as true
    return workflow


def steps(name: str) -> list[dict]:
    (job,) = load(name)["jobs"].values()
    return job["steps"]


def step(name: str, action: str) -> dict:
    """The step of workflow ``name`` that uses ``action`` (any version)."""
    return next(s for s in steps(name) if s.get("uses", "").startswith(f"{action}@"))


# `uses: owner/repo[/path]@<40 hex digits>  # vX.Y.Z`: a tag or a branch can be moved to other code, a
# commit cannot; the comment says which release it is, and Dependabot updates both.
PINNED = re.compile(r"uses: [\w.-]+/[\w.-]+(/[\w.-]+)*@[0-9a-f]{40}  # v\d+\.\d+\.\d+")
USES_LINES = {
    "a-commit-and-its-tag": ("uses: actions/checkout@d23441a48e516b6c34aea4fa41551a30e30af803  # v6.1.0", True),
    "a-sub-action": ("uses: github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e  # v4.36.2",
                     True),
    "a-major-tag": ("uses: actions/checkout@v6", False),
    "a-release-tag": ("uses: actions/checkout@v6.1.0", False),
    "a-short-sha": ("uses: actions/checkout@d23441a  # v6.1.0", False),
    "a-sha-without-its-tag": ("uses: actions/checkout@d23441a48e516b6c34aea4fa41551a30e30af803", False),
    "a-branch": ("uses: actions/checkout@main  # v6.1.0", False),
}  # fmt: skip


@pytest.mark.parametrize("line, pinned", USES_LINES.values(), ids=USES_LINES)
def test_what_counts_as_pinned(line, pinned):
    assert bool(PINNED.fullmatch(line)) is pinned


def uses_lines() -> list[str]:
    return [line.strip().removeprefix("- ") for path in FILES for line in path.read_text().splitlines()
            if line.strip().removeprefix("- ").startswith("uses:")]  # fmt: skip


def test_every_action_is_pinned_by_a_full_commit_sha_with_its_release_tag():
    used = uses_lines()
    parsed = [s["uses"] for name in ("review.yml", "drift.yml") for s in steps(name) if "uses" in s]
    assert used and len(used) == len(parsed), (used, parsed)  # every `uses:` is on one line of its own
    assert [line for line in used if not PINNED.fullmatch(line)] == []


def test_one_action_is_pinned_to_one_commit_everywhere():
    commits: dict[str, set[str]] = {}
    for line in uses_lines():
        action, commit = line.removeprefix("uses: ").split("  #")[0].split("@")
        commits.setdefault(action, set()).add(commit)
    assert {action: len(found) for action, found in commits.items() if len(found) > 1} == {}


DEPENDABOT = ROOT / ".github" / "dependabot.yml"


def test_dependabot_updates_the_actions_and_the_python_pins_weekly():
    done = validate(DEPENDABOT, "vendor.dependabot")
    assert done.returncode == 0, done.stdout + done.stderr
    updates = yaml.safe_load(DEPENDABOT.read_text())["updates"]
    assert {(u["package-ecosystem"], u["schedule"]["interval"]) for u in updates} == {
        ("github-actions", "weekly"), ("pip", "weekly")}  # fmt: skip
    assert {u["directory"] for u in updates if u["package-ecosystem"] == "pip"} == {"/", "/requirements", "/scanners"}


def test_review_runs_on_pull_requests_with_full_history_and_the_rights_it_needs():
    review = load("review.yml")
    assert "pull_request" in review["on"]
    assert review["permissions"]["security-events"] == "write"
    assert review["permissions"]["pull-requests"] == "write"
    assert step("review.yml", "actions/checkout")["with"]["fetch-depth"] == 0
    commands = "\n".join(s.get("run", "") for s in steps("review.yml"))
    for command in ("make check", "iotstack diff --base", "--format markdown", "iotstack lint --format sarif"):
        assert command in commands


def test_drift_runs_on_a_schedule_per_environment_with_an_oidc_role_and_no_stored_keys():
    drift = load("drift.yml")
    assert {"schedule", "workflow_dispatch"} <= set(drift["on"])
    assert drift["permissions"] == {"contents": "read", "id-token": "write"}
    (job,) = drift["jobs"].values()
    assert [row["env"] for row in job["strategy"]["matrix"]["include"]] == ["staging", "prod"]
    credentials = step("drift.yml", "aws-actions/configure-aws-credentials")
    assert credentials["with"]["role-to-assume"] == "${{ vars[matrix.role] }}"
    text = (WORKFLOWS / "drift.yml").read_text()
    assert "secrets." not in text and "aws-access-key-id" not in text
    assert '.venv/bin/iotstack drift --env "$ENV_NAME"' in text  # not `make drift`: make exits 2 on any failure
    # The GitHub environment puts `environment:<env>` in the OIDC token's subject, which the role trusts.
    assert job["environment"] == "${{ matrix.env }}"


def test_the_drift_job_installs_the_runtime_dependencies_only():
    """No test or dev package next to the AWS credentials: `make runtime` installs requirements/runtime.txt."""
    commands = "\n".join(s.get("run", "") for s in steps("drift.yml"))
    assert "make runtime" in commands
    assert "make venv" not in commands and ".venv/.installed" not in commands and "[dev]" not in commands
    assert step("drift.yml", "actions/setup-python")["with"]["cache-dependency-path"] == "requirements/runtime.txt"
    runtime = pinned_names(LOCKS / "runtime.txt")
    assert runtime and not runtime & {"pytest", "moto", "ruff", "check-jsonschema", "checkov"}


# --- the hashed lock files (requirements/) and the Makefile that installs them ----------------------------

LOCKS = ROOT / "requirements"
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==(\S+)")


def pinned(path: Path) -> dict[str, str]:
    """``{name: version}`` of a requirements file's ``name==version`` lines (names normalised)."""
    found = {}
    for line in path.read_text().splitlines():
        if match := REQUIREMENT.match(line):
            found[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[3]
    return found


def pinned_names(path: Path) -> set[str]:
    return set(pinned(path))


@pytest.mark.parametrize("name", ["runtime.txt", "dev.txt", "scanners.txt", "uv.txt"])
def test_every_requirement_of_a_lock_is_pinned_with_its_hashes(name):
    text = (LOCKS / name).read_text()
    entries = [e for e in text.replace("\\\n", " ").splitlines() if e.strip() and not e.lstrip().startswith("#")]
    assert entries and all(REQUIREMENT.match(e) and " --hash=sha256:" in e for e in entries), entries
    assert "# This file was autogenerated by uv" in text and "make lock" in text  # how to regenerate it


def test_the_locks_pin_what_setup_cfg_and_the_scanners_list_pin():
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    exact = {}
    for section, key in (("options", "install_requires"), ("options.extras_require", "test"),
                         ("options.extras_require", "dev")):  # fmt: skip
        for line in setup.get(section, key).splitlines():
            if match := REQUIREMENT.match(line.strip()):
                exact[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[3]
    dev, runtime = pinned(LOCKS / "dev.txt"), pinned(LOCKS / "runtime.txt")
    assert {name: dev.get(name) for name in exact} == exact
    assert runtime.items() <= dev.items()  # the drift job runs what the tests ran
    assert "setuptools" in runtime  # pip install --no-build-isolation -e . builds with the locked one
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    build_in = [line for line in (LOCKS / "build.in").read_text().splitlines() if line and not line.startswith("#")]
    assert build_in == requires
    assert pinned(LOCKS / "scanners.txt") == pinned(ROOT / "scanners" / "requirements.txt")


def test_the_makefile_installs_from_the_locks_with_hashes_required():
    makefile = (ROOT / "Makefile").read_text()
    for stamp, lock in (("$(READY)", "requirements/dev.txt"), ("$(RUNTIME)", "requirements/runtime.txt"),
                        ("$(SCAN_READY)", "requirements/scanners.txt")):  # fmt: skip
        (rule,) = re.findall(rf"^{re.escape(stamp)}:(.*)$", makefile, re.M)
        assert lock in rule.split(), (stamp, rule)  # a new lock reinstalls
    assert makefile.count("--require-hashes") >= 2
    assert "--no-deps --no-build-isolation --no-index -e ." in makefile  # iotstack itself fetches nothing
    assert re.search(r"^lock: .*## ", makefile, re.M)


# --- the comment script, run in Node.js with a fake GitHub ---------------------------------------------

MARKER = "<!-- iotstack-plan -->"
HARNESS = """
const fs = require('fs');
const script = fs.readFileSync(process.argv[2], 'utf8');
const state = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const calls = [];
const github = {
  paginate: async (method, args) => { calls.push(['list', args]); return state.comments; },
  rest: { issues: {
    listComments: 'listComments',
    updateComment: async (args) => { calls.push(['update', args]); },
    createComment: async (args) => { calls.push(['create', args]); },
  } },
};
const context = { repo: { owner: 'acme', repo: 'iotstack' }, issue: { number: 7 } };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('github', 'context', 'require', script)(github, context, require)
  .then(() => console.log(JSON.stringify(calls)), (error) => { console.error(error); process.exit(1); });
"""


def post(tmp_path: Path, plan: str, comments: list[dict]) -> list:
    """Run the step's script on ``plan`` (plan.md) against a pull request holding ``comments``."""
    (tmp_path / "plan.md").write_text(plan, encoding="utf-8")
    (tmp_path / "script.js").write_text(step("review.yml", "actions/github-script")["with"]["script"])
    (tmp_path / "state.json").write_text(json.dumps({"comments": comments}))
    (tmp_path / "harness.js").write_text(HARNESS)
    done = subprocess.run(["node", "harness.js", "script.js", "state.json"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=30)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)[1:]  # after the listing


BOT = {"type": "Bot", "login": "github-actions[bot]"}
PERSON = {"type": "User", "login": "reviewer"}
PLAN = "### `dev`: 1 to modify\n\nCompared with `abc123:templates/dev.json`.\n"
COMMENTS = {
    "the-first-push-creates-it": ([], ("create", None)),
    "a-later-push-updates-ours": ([{"id": 1, "user": PERSON, "body": "looks good"},
                                   {"id": 42, "user": BOT, "body": f"{MARKER}\nold plan"}], ("update", 42)),
    "a-person-quoting-the-marker-is-left-alone": ([{"id": 5, "user": PERSON, "body": f"{MARKER}\nquoted"}],
                                                  ("create", None)),
    "another-bot-comment-is-left-alone": ([{"id": 6, "user": BOT, "body": "coverage: 93%"}], ("create", None)),
}  # fmt: skip


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the github-script step")
@pytest.mark.parametrize("comments, expected", COMMENTS.values(), ids=COMMENTS)
def test_the_plan_is_one_comment_found_by_its_marker(tmp_path, comments, expected):
    ((verb, args),) = post(tmp_path, PLAN, comments)
    assert (verb, args.get("comment_id")) == expected
    assert args["body"] == f"{MARKER}\n{PLAN}"
    assert (args["owner"], args["repo"]) == ("acme", "iotstack")


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the github-script step")
def test_a_plan_that_carries_the_marker_is_posted_as_it_is(tmp_path):
    ((_, args),) = post(tmp_path, f"{MARKER}\n{PLAN}", [])
    assert args["body"] == f"{MARKER}\n{PLAN}"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the github-script step")
def test_a_plan_over_githubs_limit_is_cut_to_it_with_a_note(tmp_path):
    plan = "".join(f"| `Resource{i}` | modify | `Properties.Tags` — é |\n" for i in range(3000))  # about 150 kB
    ((_, args),) = post(tmp_path, plan, [])
    body = args["body"]
    assert len(body) == 65_536  # characters (Python counts code points, as the script does)
    assert body.startswith(f"{MARKER}\n| `Resource0` |")
    assert body.endswith("`iotstack diff --base <merge base>` shows it locally.\n")
    assert "**The plan is cut here**: it is longer than the 65536 characters GitHub allows" in body
