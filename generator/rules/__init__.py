"""The project's policy rules: what cfn-lint cannot know about this platform, one rule per file.

Each rule is a custom cfn-lint rule (a ``CloudFormationLintRule`` class) with an id (``E90xx``),
a one-line message (``shortdesc``) and the reason (``description``). cfn-lint runs them with its
own rules when it is given ``append_rules=[MODULE]`` (see :mod:`generator.lint`), so a policy
finding has a rule id, a path and a line like any cfn-lint finding, and shows up in SARIF too.
cfn-lint instantiates every rule class it finds in this package's namespace: import each here.
"""

from generator.rules.aurora_tls import AuroraTls
from generator.rules.customer_managed_keys import CustomerManagedKeys
from generator.rules.endpoint_policies import EndpointPolicies
from generator.rules.failover_replicas import FailoverReplicas
from generator.rules.key_deletion_window import KeyDeletionWindow
from generator.rules.kinesis_retention import KinesisRetention
from generator.rules.master_secret_kept import MasterSecretKept
from generator.rules.no_literal_secrets import NoLiteralSecrets
from generator.rules.no_open_ingress import NoOpenIngress
from generator.rules.own_access import OwnAccess
from generator.rules.rotation_log_group import RotationLogGroup
from generator.rules.stateful_policies import StatefulPolicies
from generator.rules.tls_only_topics import TlsOnlyTopics
from generator.rules.watched_data_stores import WatchedDataStores
from generator.rules.watched_keys import WatchedKeys

MODULE = __name__
RULES = (
    KinesisRetention, FailoverReplicas, CustomerManagedKeys, StatefulPolicies, NoLiteralSecrets, NoOpenIngress,
    WatchedDataStores, EndpointPolicies, AuroraTls, KeyDeletionWindow, WatchedKeys, TlsOnlyTopics, MasterSecretKept,
    OwnAccess, RotationLogGroup,
)  # fmt: skip

__all__ = ["MODULE", "RULES", *(rule.__name__ for rule in RULES)]
