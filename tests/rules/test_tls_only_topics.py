import pytest

from generator.rules import TlsOnlyTopics
from tests.rules import dev_template, findings, protected_template


def tls_statement(topic_policy, **changes):
    def change(r):
        (statement,) = [s for s in r[topic_policy]["Properties"]["PolicyDocument"]["Statement"]
                        if s["Sid"] == "DenyPublishingWithoutTls"]  # fmt: skip
        statement.update(changes)

    return change


NO_TLS = "no topic policy denies publishing without TLS"


@pytest.mark.parametrize(
    "template, expected",
    [
        (protected_template(), []),
        (dev_template(), []),  # no topics
        (protected_template(tls_statement("AlertTopicPolicy", Action=["sns:*"])), []),
        (protected_template(tls_statement("CacheEventsTopicPolicy", Effect="Allow")),
         [f"Resources/CacheEventsTopic: CacheEventsTopic: {NO_TLS}"]),
        (protected_template(tls_statement("AlertTopicPolicy", Condition={"Bool": {"aws:SecureTransport": "true"}})),
         [f"Resources/AlertTopic: AlertTopic: {NO_TLS}"]),
        (protected_template(tls_statement("AlertTopicPolicy", Action=["sns:Subscribe"])),
         [f"Resources/AlertTopic: AlertTopic: {NO_TLS}"]),
        (protected_template(lambda r: r.pop("CacheEventsTopicPolicy")),
         [f"Resources/CacheEventsTopic: CacheEventsTopic: {NO_TLS}"]),
        (protected_template(tls_statement("AlertTopicPolicy", Principal={"AWS": "arn:aws:iam::111122223333:root"})),
         [f"Resources/AlertTopic: AlertTopic: {NO_TLS}"]),
    ],
    ids=["generated", "no-topics", "every-action", "allow", "wrong-condition", "other-action", "no-policy",
         "one-principal-only"],
)  # fmt: skip
def test_topics_refuse_publishing_without_tls(template, expected):
    assert findings(TlsOnlyTopics, template) == expected
