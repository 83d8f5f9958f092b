"""The account guard: with ``deploy.account`` set, every command that talks to AWS for the environment
asks STS first and refuses other credentials before any other call; the profile of the file is used
only when the shell brings no credentials of its own, and the refusal says where they came from."""

import pytest

from generator.aws import gateway
from generator.aws.settings import credential_source
from tests.conftest import run

OTHER = "111111111111"  # the emulator's credentials belong to 123456789012


@pytest.fixture
def calls(aws, monkeypatch):
    """Every AWS operation the commands send, in order (a before-send hook on each client)."""
    sent = []
    connect = gateway.connect

    def counting(region, *args, **kwargs):
        cloud = connect(region, *args, **kwargs)
        for client in (cloud.cloudformation, cloud.s3, cloud.sts, cloud.secretsmanager):
            client.meta.events.register("before-send", lambda request, **kw: sent.append(kw["event_name"]))
        return cloud

    monkeypatch.setattr(gateway, "connect", counting)
    return sent


COMMANDS = {
    "deploy": (["deploy", "--env", "dev", "--yes"], 2),
    "execute": (["execute", "--env", "dev", "--change-set", "iotstack-x", "--yes"], 2),
    "status": (["status", "--env", "dev"], 2),
    "destroy": (["destroy", "--env", "dev", "--yes"], 2),
    "recover": (["recover", "--env", "dev"], 2),
    "diff-deployed": (["diff", "--env", "dev", "--deployed"], 1),  # a plan: its 2 means changes
    "database-users": (["database-users", "--env", "dev"], 2),  # before the master secret is read
}


@pytest.mark.parametrize("command, exit_code", COMMANDS.values(), ids=COMMANDS)
def test_another_account_is_refused_before_any_call_but_sts(project, calls, command, exit_code):
    dev = project.environment_file("dev")
    dev.write_text(dev.read_text().replace("[deploy]", f'[deploy]\naccount = "{OTHER}"'))
    result = run(*command)
    assert result.exit_code == exit_code, result.output
    assert (f'belong to account 123456789012, but dev.toml says deploy.account = "{OTHER}"') in result.output
    assert "(the access keys in AWS_ACCESS_KEY_ID)" in result.output
    assert calls == ["before-send.sts.GetCallerIdentity"]


def test_the_right_account_goes_on(project, calls):
    dev = project.environment_file("dev")
    dev.write_text(dev.read_text().replace("[deploy]", '[deploy]\naccount = "123456789012"'))
    result = run("status", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert calls[0] == "before-send.sts.GetCallerIdentity" and len(calls) > 1
    assert "AWS credentials: the access keys in AWS_ACCESS_KEY_ID; account 123456789012 expected" in result.output


SOURCES = {
    "shell-profile-wins": ({"AWS_PROFILE": "operator"}, "ops", (None, "AWS_PROFILE=operator")),
    "shell-keys-win": ({"AWS_ACCESS_KEY_ID": "x"}, "ops", (None, "the access keys in AWS_ACCESS_KEY_ID")),
    "default-profile-wins": ({"AWS_DEFAULT_PROFILE": "old"}, "ops", (None, "AWS_DEFAULT_PROFILE=old")),
    "container-credentials-win": ({"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/x"}, "ops",
                                  (None, "the container's credentials (ECS, CodeBuild)")),
    "ci-token-wins": ({"AWS_WEB_IDENTITY_TOKEN_FILE": "/t"}, "ops", (None, "the web-identity token of "
                                                                       "AWS_WEB_IDENTITY_TOKEN_FILE")),
    "file-profile": ({}, "ops", ("ops", "profile ops (deploy.profile)")),
    "nothing": ({}, "", (None, "the default credential chain")),
}  # fmt: skip


@pytest.mark.parametrize("shell, profile, expected", SOURCES.values(), ids=SOURCES)
def test_where_the_credentials_come_from(monkeypatch, shell, profile, expected):
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI"):  # fmt: skip
        monkeypatch.delenv(key, raising=False)
    for key, value in shell.items():
        monkeypatch.setenv(key, value)
    assert credential_source(profile) == expected
