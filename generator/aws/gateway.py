"""Every AWS call iotstack makes, in one place that tests point at an emulator or a Stubber.

:func:`connect` builds the clients the usual way (credentials, profile and ``AWS_ENDPOINT_URL``
from the environment, as the AWS CLI does) with botocore's ``adaptive`` retry mode, so throttling
is retried with backoff instead of surfacing as a failure; settings that cannot work (a profile
that does not exist, a config file that does not parse, an endpoint that is not a URL, a bad
``AWS_MAX_ATTEMPTS``) are one clear line, exit 2. :class:`Cloud` wraps the calls the deploy
commands need (and ``database-users``: the master secret), returns the answers as
:mod:`generator.aws.views`, and turns botocore's exceptions into the project's errors
(:mod:`generator.aws.errors`).

The calls that are not idempotent carry a token, fresh per call, that botocore's retries of that
call reuse, and each says how to tell that its first attempt took effect, so that a lost answer
never makes AWS do the work twice (:mod:`generator.aws.retries`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from generator import __version__
from generator.aws.artifact_calls import ArtifactCalls
from generator.aws.drift_calls import DriftCalls
from generator.aws.errors import AwsError, StackNotFound, settings_error, translate
from generator.aws.retries import TookEffect, Watch, token
from generator.aws.settings import MAX_ATTEMPTS, credential_source, max_attempts
from generator.aws.stack_set_calls import StackSetCalls
from generator.aws.views import ChangeSet, Stack, StackEvent, template_of
from generator.console import echo
from generator.errors import UsageError

__all__ = ["AwsError", "Cloud", "StackNotFound", "connect"]


def connect(region: str, notify: Callable[[str], None] | None = None, profile: str = "") -> Cloud:
    """Clients for ``region``, configured from the environment like the AWS CLI; ``profile`` is the
    environment's ``deploy.profile`` (see :func:`credential_source`)."""
    attempts = max_attempts()
    config = Config(
        region_name=region,
        retries={"mode": "adaptive", "total_max_attempts": attempts},  # the first call included
        connect_timeout=10,  # a black-holed endpoint: seconds per attempt, not botocore's 60
        user_agent_extra=f"iotstack/{__version__}",
    )
    chosen, source = credential_source(profile)

    @cache
    def session() -> boto3.session.Session:  # one, made with the first client
        return boto3.session.Session(region_name=region, profile_name=chosen)

    def client(service: str) -> Any:
        try:
            return session().client(service, config=config)
        except (BotoCoreError, ValueError) as exc:
            raise settings_error(exc, source) or UsageError(f"the AWS settings of this shell cannot be used: {exc}"
                                                            ) from None  # fmt: skip

    # CloudFormation's client at once (a setting that cannot work is said before anything); the others'
    # when first used, as most commands never use them (each costs a service model to load, 0.05-0.1 s).
    return Cloud(client("cloudformation"), lambda: client("s3"), lambda: client("sts"),
                 watch=Watch(attempts, notify or to_stderr), source=source,
                 secretsmanager=lambda: client("secretsmanager"))  # fmt: skip


def _name(stack: str) -> str:
    """A stack's name from its name or id (``arn:...:stack/NAME/uuid``)."""
    return stack.split("/")[1] if stack.startswith("arn:") and stack.count("/") >= 2 else stack


def to_stderr(line: str) -> None:
    echo(line, err=True)


class Cloud(DriftCalls, ArtifactCalls, StackSetCalls):
    """The CloudFormation, S3, STS and Secrets Manager calls of iotstack; each returns plain data or a view."""

    def __init__(self, cloudformation: Any, s3: Any, sts: Any = None, watch: Watch | None = None, source: str = "",
                 secretsmanager: Any = None):  # fmt: skip
        """``s3``, ``sts`` and ``secretsmanager`` are clients, or functions that make one the first time it is used."""
        self.source = source  # where the credentials come from, in words
        self.watch = watch or Watch(MAX_ATTEMPTS, to_stderr)
        self._clients = {"cloudformation": cloudformation, "s3": s3, "sts": sts, "secretsmanager": secretsmanager}
        self._ready: set[str] = set()

    cloudformation = property(lambda self: self._client("cloudformation"))
    s3 = property(lambda self: self._client("s3"))
    sts = property(lambda self: self._client("sts"))
    secretsmanager = property(lambda self: self._client("secretsmanager"))

    def _client(self, service: str) -> Any:
        """The client of ``service``, made when first used, and watched for retries."""
        if service not in self._ready:
            made = self._clients[service]
            made = self._clients[service] = made() if callable(made) else made
            if made is not None:
                self.watch.attach(made)
            self._ready.add(service)
        return self._clients[service]

    @property
    def endpoint(self) -> str:
        return self.cloudformation.meta.endpoint_url

    def _call(self, client: Any, operation: str, took_effect: Callable[[], Any] | None = None, **kwargs: Any) -> Any:
        """Call ``operation``; ``took_effect`` (for a call that is not idempotent) tells, before a retry,
        whether the first attempt did the work, and returns the call's answer if so."""
        self.watch.begin(operation, took_effect)
        try:
            answer = getattr(client, operation)(**kwargs)
        except TookEffect as done:
            self.watch.end()
            return done.answer
        except Exception as exc:
            tried = self.watch.end()
            raise translate(exc, client.meta.service_model.service_name, operation, client.meta.endpoint_url,
                            tried) from None  # fmt: skip
        self.watch.end()
        return answer

    # --- who we are -----------------------------------------------------------------------

    def account(self) -> str:
        """The account the credentials belong to (STS GetCallerIdentity, which needs no permission)."""
        return self._call(self.sts, "get_caller_identity")["Account"]

    # --- secrets ---------------------------------------------------------------------------

    def secret_value(self, secret_id: str) -> dict:
        """The current value of a secret that holds a JSON object (GetSecretValue), as data: a credential,
        which the caller hands on and never prints. A secret of any other shape is bad input."""
        answer = self._call(self.secretsmanager, "get_secret_value", SecretId=secret_id)
        try:
            value = json.loads(answer.get("SecretString") or "null")
        except ValueError:  # the parser's message quotes no value, but say nothing of it anyway
            value = None
        if not isinstance(value, dict):
            raise UsageError(f"secret {secret_id} does not hold a JSON object (its SecretString)")
        return value

    # --- stacks ---------------------------------------------------------------------------

    def stack(self, name: str) -> Stack | None:
        """The stack (by name or id), or None when there is no such stack."""
        try:
            return Stack.of(self._call(self.cloudformation, "describe_stacks", StackName=name)["Stacks"][0])
        except StackNotFound:
            return None

    def events(self, stack: str) -> Iterator[StackEvent]:
        """The stack's events, newest first, fetched a page at a time as the caller reads on."""
        page_token: dict = {}
        while True:
            page = self._call(self.cloudformation, "describe_stack_events", StackName=stack, **page_token)
            yield from map(StackEvent.of, page["StackEvents"])
            if not page.get("NextToken"):
                return
            page_token = {"NextToken": page["NextToken"]}

    def template(self, stack: str) -> dict:
        """The template the stack runs, as data (JSON or YAML)."""
        body = self._call(self.cloudformation, "get_template", StackName=stack)["TemplateBody"]
        return template_of(body, f"the template stack {_name(stack)} runs")

    def delete_stack(self, stack: str) -> None:
        """Delete the stack (a stack already gone or going counts as done)."""

        def took_effect() -> bool | None:
            now = self.stack(stack)
            return True if now is None or now.status.deleted or now.status.name == "DELETE_IN_PROGRESS" else None

        self._call(self.cloudformation, "delete_stack", took_effect, StackName=stack, ClientRequestToken=token())

    def continue_update_rollback(self, stack: str, skip: tuple[str, ...] = ()) -> None:
        def took_effect() -> bool | None:
            now = self.stack(stack)
            return True if now is not None and not now.status.rollback_failed else None

        self._call(self.cloudformation, "continue_update_rollback", took_effect, StackName=stack,
                   ResourcesToSkip=list(skip), ClientRequestToken=token())  # fmt: skip

    def set_termination_protection(self, stack: str, enabled: bool) -> None:
        self._call(self.cloudformation, "update_termination_protection", StackName=stack,
                   EnableTerminationProtection=enabled)  # fmt: skip

    def stack_policy(self, stack: str) -> str | None:
        return self._call(self.cloudformation, "get_stack_policy", StackName=stack).get("StackPolicyBody")

    def set_stack_policy(self, stack: str, body: str) -> None:
        self._call(self.cloudformation, "set_stack_policy", StackName=stack, StackPolicyBody=body)

    # --- change sets ----------------------------------------------------------------------

    def create_change_set(self, **kwargs: Any) -> str:
        """Create a change set (``kwargs`` as CreateChangeSet takes them); return the id of its stack
        (for a new stack, the one CloudFormation made with it, in ``REVIEW_IN_PROGRESS``)."""
        stack, name = kwargs["StackName"], kwargs["ChangeSetName"]

        def took_effect() -> dict | None:
            existing = self.find_change_set(stack, name)
            return {"Id": existing.id, "StackId": existing.stack_id} if existing else None

        answer = self._call(self.cloudformation, "create_change_set", took_effect, ClientToken=token(), **kwargs)
        return answer["StackId"]

    def change_set_template(self, stack: str, name: str) -> dict:
        """The template a change set was made from, as CloudFormation read it (GetTemplate, Original)."""
        body = self._call(self.cloudformation, "get_template", StackName=stack, ChangeSetName=name,
                          TemplateStage="Original")["TemplateBody"]  # fmt: skip
        return template_of(body, f"the template of change set {name}")

    def change_set(self, stack: str, name: str) -> ChangeSet:
        """The change set, every page of its changes merged."""
        answer: dict = {}
        page_token: dict = {}
        while True:
            page = self._call(self.cloudformation, "describe_change_set", StackName=stack, ChangeSetName=name,
                              **page_token)  # fmt: skip
            answer = {**page, "Changes": answer.get("Changes", []) + page.get("Changes", [])}
            if not page.get("NextToken"):
                return ChangeSet.of(answer)
            page_token = {"NextToken": page["NextToken"]}

    def execute_change_set(self, stack: str, name: str) -> None:
        """Run the change set; a first attempt that started it (its execution status moved on, or the
        stack's newest event carries this call's token) is not repeated."""
        request = token()

        def took_effect() -> bool | None:
            existing = self.find_change_set(stack, name)
            if existing is not None and not existing.executable:
                return True
            newest = next(iter(self.events(stack)), None)
            return True if newest is not None and newest.token == request else None

        self._call(self.cloudformation, "execute_change_set", took_effect, StackName=stack, ChangeSetName=name,
                   ClientRequestToken=request)  # fmt: skip

    def delete_change_set(self, stack: str, name: str) -> None:
        """Delete the change set; one that is gone after a lost answer counts as deleted."""
        self._call(self.cloudformation, "delete_change_set",
                   lambda: True if self.find_change_set(stack, name) is None else None,
                   StackName=stack, ChangeSetName=name)  # fmt: skip

    def find_change_set(self, stack: str, name: str) -> ChangeSet | None:
        """The change set, or None when there is none of that name on the stack."""
        try:
            return self.change_set(stack, name)
        except StackNotFound:
            return None
        except AwsError as exc:
            if exc.code == "ChangeSetNotFound":
                return None
            raise

    # --- exports ----------------------------------------------------------------------------

    def importers(self, export_name: str) -> list[str]:
        """The stacks that import ``export_name`` (ListImports, every page); [] when none does, which
        CloudFormation answers with an error ("... is not imported by any stack")."""
        stacks: list[str] = []
        token: dict = {}
        while True:
            try:
                page = self._call(self.cloudformation, "list_imports", ExportName=export_name, **token)
            except AwsError as error:
                if "is not imported by any stack" in str(error):
                    return []
                raise
            stacks += page.get("Imports", [])
            if not page.get("NextToken"):
                return sorted(stacks)
            token = {"NextToken": page["NextToken"]}
