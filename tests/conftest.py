"""Shared test helpers: environments built from defaults, templates as plain dicts, a project copy
to run commands in, the local AWS emulator, and the guards that keep every test away from real AWS."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.config import Environment, load_environments
from generator.fleet import load_fleets
from generator.generate import generate
from generator.render import render
from generator.stack import build_template
from generator.workspace import Workspace
from tests.support import emulator

ROOT = Path(__file__).resolve().parent.parent


def environment(name: str = "test", **changes) -> Environment:
    """An environment with every default, changed where asked: ``environment(aurora={"instances": 2})``."""
    env = Environment(name=name)
    top = {}
    for key, value in changes.items():
        current = getattr(env, key)
        top[key] = dataclasses.replace(current, **value) if dataclasses.is_dataclass(current) else value
    return dataclasses.replace(env, **top)


def build(env: Environment | None = None) -> dict:
    """The template of ``env`` as the JSON a reviewer reads."""
    return json.loads(render(build_template(env or environment())))


def resources_of(template: dict, resource_type: str) -> dict[str, dict]:
    """``{logical_id: resource}`` for every resource of one type."""
    return {k: r for k, r in template["Resources"].items() if r["Type"] == resource_type}


def only(template: dict, resource_type: str) -> dict:
    """The one resource of a type (fails when there are none or several)."""
    (resource,) = resources_of(template, resource_type).values()
    return resource


# The files that take longest (pytest --durations=0, summed by file), run first: xdist hands out whole
# files (--dist loadfile), and a long one handed out last keeps one worker busy while the other waits.
SLOWEST_FIRST = ("tests/hostile/test_aws.py", "tests/deploy/test_on_emulator.py",
                 "tests/fleet/test_deploy_on_emulator.py", "tests/fleet/test_sites_on_emulator.py",
                 "tests/hostile/test_signals.py",
                 "tests/test_scan.py", "tests/test_emulator.py", "tests/deploy/test_lost_answers.py",
                 "tests/test_lint.py", "tests/deploy/test_bad_input.py")  # fmt: skip


def pytest_collection_modifyitems(items) -> None:
    """Order the files slowest first (:data:`SLOWEST_FIRST`), the others as collected."""
    rank = {name: index for index, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


@pytest.fixture(scope="session")
def _lint_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lint-cache")


@pytest.fixture(autouse=True)
def _shared_lint_cache_outside_the_tree(_lint_cache, monkeypatch):
    """One lint cache for the whole run, never the working tree's. Sharing it is safe: a clean result
    is keyed on the template's bytes, the region, cfn-lint's version and the policy rules' source."""
    monkeypatch.setenv("IOTSTACK_CACHE_DIR", str(_lint_cache))


@pytest.fixture(autouse=True)
def _not_in_ci(monkeypatch):
    """Outside CI by default, wherever the suite runs: in CI (``CI`` set) a missing merge base is an error
    and missing scanners fail, so a test about that sets ``CI`` itself."""
    monkeypatch.delenv("CI", raising=False)


@pytest.fixture(scope="session", autouse=True)
def _nothing_written_into_the_checkout():
    """No test writes into the checkout it runs from: a deploy's outputs belong in a ``project`` copy."""
    existed = (ROOT / "outputs").exists()
    yield
    assert existed or not (ROOT / "outputs").exists(), "a test wrote outputs/ into the checkout: use `project`"


@pytest.fixture(autouse=True)
def _run_from_the_project_root(monkeypatch):
    """Commands find the project from the working directory: tests start at the root, wherever
    pytest was started (the ``project`` fixture moves them into a copy)."""
    monkeypatch.chdir(ROOT)


# --- AWS: never the real one ------------------------------------------------------------------

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_real_getaddrinfo = socket.getaddrinfo


def _loopback_only(host, *args, **kwargs):
    if host not in _LOOPBACK:
        raise AssertionError(f"a test tried to reach {host}: tests may only talk to 127.0.0.1")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch):
    """Dummy credentials, no profile, an endpoint where nothing listens, and no name but loopback resolves.

    A test that forgets the emulator fails on 127.0.0.1:9 instead of reaching AWS.
    """
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in emulator.dummy_credentials().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setattr(socket, "getaddrinfo", _loopback_only)


@pytest.fixture(scope="session")
def _emulator_endpoint():
    with emulator.running() as endpoint:
        yield endpoint


@pytest.fixture
def aws(_emulator_endpoint, monkeypatch):
    """The local AWS emulator, emptied, with AWS_ENDPOINT_URL pointing at it; yields its URL."""
    urllib.request.urlopen(urllib.request.Request(f"{_emulator_endpoint}/moto-api/reset", method="POST")).close()
    monkeypatch.setenv("AWS_ENDPOINT_URL", _emulator_endpoint)
    return _emulator_endpoint


@pytest.fixture
def no_backoff(monkeypatch):
    """botocore's retries without their random sleep (up to a second each), so the tests stay fast."""
    import botocore.retries.standard
    import botocore.retryhandler

    monkeypatch.setattr(botocore.retryhandler, "delay_exponential", lambda *args, **kwargs: 0)
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


@pytest.fixture
def faulty_aws(aws, monkeypatch, no_backoff):
    """The emulator behind the fault-injecting proxy (tests/support/proxy.py); yields the proxy."""
    from tests.support.proxy import proxied

    with proxied(aws, monkeypatch) as proxy:
        yield proxy


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the project in tmp, with its own environment files and committed templates; the
    test runs inside it, so every command reads and writes there (outputs/ included).

    ``project.regenerate()`` writes templates/ as ``iotstack template --no-lint`` would.
    """
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "setup.cfg").write_text("[metadata]\nname = iotstack\n")  # the marker the workspace looks for
    shutil.copytree(ROOT / "environments", folder / "environments")
    shutil.copytree(ROOT / "templates", folder / "templates")
    shutil.copytree(ROOT / "fleets", folder / "fleets")
    monkeypatch.chdir(folder)
    return Project(folder)


@dataclasses.dataclass
class Project:
    root: Path

    @property
    def workspace(self) -> Workspace:
        return Workspace.find(self.root)

    def environment_file(self, name: str) -> Path:
        return self.root / "environments" / f"{name}.toml"

    def write(self, name: str, text: str) -> None:
        """Write a whole environment file and regenerate the templates."""
        self.environment_file(name).write_text(text)
        self.regenerate()

    def append(self, name: str, text: str) -> None:
        """Add TOML to an environment file (e.g. a section) and regenerate the templates. A section the file
        has already takes the keys under its header (a key it has is set anew), so that a test's change holds
        whatever the environment file says (a reader's own edit from the README's tour included)."""
        path = self.environment_file(name)
        path.write_text(merged_toml(path.read_text(), text))
        self.regenerate()

    def regenerate(self) -> None:
        workspace = self.workspace
        fleets = load_fleets((), workspace.fleets, workspace.environments)
        generate(load_environments((), workspace.environments), workspace, lint=False, fleets=fleets)


def merged_toml(base: str, added: str) -> str:
    """``base`` with the keys of ``added``, section by section: under a header ``base`` has (replacing a key it
    sets), else appended. Line-based, for the flat ``key = value`` files environments are."""
    lines, section = base.splitlines(), ""
    appended: list[str] = []
    for line in added.splitlines():
        if line.startswith("["):
            section = line.strip()
            if section not in (x.strip() for x in lines):
                appended += ["", section]
                section = ""  # appended as it comes
            continue
        if not section:
            appended.append(line)
            continue
        key = line.split("=", 1)[0].strip()
        start = [x.strip() for x in lines].index(section)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
        same = [i for i in range(start + 1, end) if lines[i].split("=", 1)[0].strip() == key and "=" in lines[i]]
        if same:
            lines[same[0]] = line
        else:
            lines.insert(start + 1, line)
    return "\n".join(lines + appended) + "\n"


def immutable(path: Path, request) -> None:
    """``chattr +i``: not even root may change ``path`` (or, for a folder, what it holds); undone when the
    test ends. Skips the test where the file system or the sandbox does not allow it."""
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not allowed here")
    request.addfinalizer(lambda: subprocess.run(["chattr", "-i", str(path)], check=True))


def git(root: Path, *args: str) -> str:
    """``git ARGS`` in ``root`` as a test user; its output."""
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=root,
                          check=True, capture_output=True, text=True)  # fmt: skip
    return done.stdout.strip()


@pytest.fixture
def repo(project):
    """The ``project`` copy as a git repository: ``main`` holds today's templates, ``HEAD`` is a branch off it."""
    git(project.root, "init", "-q", "-b", "main")
    git(project.root, "add", "setup.cfg", "templates", "environments", "fleets")
    git(project.root, "commit", "-q", "-m", "templates")
    git(project.root, "checkout", "-q", "-b", "change")
    return project


@pytest.fixture
def env_dir(project) -> Path:
    """The environment files of the ``project`` copy, which the commands read."""
    return project.root / "environments"


# --- the command line ---------------------------------------------------------------------------


def run(*args: str):
    """Run ``iotstack ARGS...`` in process; the result has ``exit_code`` and ``output``."""
    from generator.cli import main

    return CliRunner().invoke(main, list(args))
