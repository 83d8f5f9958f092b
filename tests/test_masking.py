"""What is never printed: credentials in template and drift values (by the property's name, at any
depth, in lists too) and inside URLs (any line iotstack prints)."""

import pytest

from generator.masking import MASK, is_secret_key, masked, masked_text

REFERENCE = "{{resolve:secretsmanager:db:SecretString:password}}"

MASK_CASES = {
    "literal-password": ("MasterUserPassword", "hunter2", MASK),
    "dynamic-reference": ("MasterUserPassword", REFERENCE, REFERENCE),
    "recipe-is-not-a-secret": ("GenerateSecretString", {"PasswordLength": 32}, {"PasswordLength": 32}),
    "nested": ("Properties", {"AuthToken": "x", "Port": 6379}, {"AuthToken": MASK, "Port": 6379}),
    "absent": ("MasterUserPassword", None, None),
    "a-list-of-passwords": ("Passwords", ["a", REFERENCE], [MASK, REFERENCE]),
    "plural-compound-name": ("AuthTokens", ["t1"], [MASK]),
    "a-list-deeper": ("Users", [{"Name": "u", "Passwords": ["p"]}], [{"Name": "u", "Passwords": [MASK]}]),
    "an-object-under-a-secret-name": ("AuthToken", {"Ref": "Token"}, MASK),
}  # fmt: skip


@pytest.mark.parametrize("key, value, expected", MASK_CASES.values(), ids=MASK_CASES)
def test_credentials_are_masked_at_any_depth(key, value, expected):
    assert masked(key, value) == expected


@pytest.mark.parametrize("key, secret", [
    ("MasterUserPassword", True), ("Passwords", True), ("AuthTokens", True), ("PasswordList", True),
    ("SecretAccessKey", True), ("ClientSecret", True), ("PrivateKey", True), ("SecretString", True),
    ("GenerateSecretString", False), ("AuthTokenUpdateStrategy", False), ("SecretId", False),
    ("ManageMasterUserPassword", True), ("TokenValidityUnits", False),
    ("DB_PASSWORD", True), ("API_KEY", True), ("CLIENT_SECRET", True), ("SECRET_KEY", True), ("PRIVATE_KEY", True),
    ("SECRET_ACCESS_KEY", True), ("x-api-key", True), ("auth token", True), ("DB_HOST", False),
    ("secret", False),  # an EventBridge input path's name in prod's own template, not a credential
])  # fmt: skip
def test_which_names_carry_a_credential(key, secret):
    assert is_secret_key(key) is secret


TEXT_CASES = {
    "user-and-password": ("cannot reach AWS at http://admin:S3cretPa55@127.0.0.1:9/",
                          "cannot reach AWS at http://***@127.0.0.1:9/"),
    "a-token-as-user": ("https://ghp_abc123@example.com/x", "https://***@example.com/x"),
    "an-at-in-the-password": ("http://admin:p@ss@127.0.0.1:9", "http://***@127.0.0.1:9"),
    "quoted-in-a-message": ("AWS_ENDPOINT_URL='admin:S3cret@127.0.0.1:9' is not a URL",
                            "AWS_ENDPOINT_URL='***@127.0.0.1:9' is not a URL"),
    "no-credentials": ("http://127.0.0.1:5000/path", "http://127.0.0.1:5000/path"),
    "an-email-address-stays": ("subscribed ops@example.com", "subscribed ops@example.com"),
    "an-arn-stays": ("arn:aws:sns:sa-east-1:123456789012:iot-alerts", "arn:aws:sns:sa-east-1:123456789012:iot-alerts"),
}  # fmt: skip


@pytest.mark.parametrize("text, shown", TEXT_CASES.values(), ids=TEXT_CASES)
def test_credentials_inside_urls_are_masked(text, shown):
    assert masked_text(text) == shown
    assert "S3cret" not in masked_text(text)


SHELL_CASES = {
    # case: (the shell's variable, its value, a line that quotes it, the line shown)
    "a-slash-in-the-password": ("AWS_ENDPOINT_URL", "http://admin:Pa55/w0rd@127.0.0.1:9",
                                "the answer of http://admin:Pa55/w0rd@127.0.0.1:9 is not AWS's",
                                "the answer of http://***@127.0.0.1:9 is not AWS's"),
    "a-space-in-the-password": ("AWS_ENDPOINT_URL", "http://admin:Pa55 w0rd@127.0.0.1:9",
                                "cannot reach AWS at http://admin:Pa55 w0rd@127.0.0.1:9",
                                "cannot reach AWS at http://***@127.0.0.1:9"),
    "the-password-quoted-alone": ("AWS_ENDPOINT_URL_S3", "https://u:hunter2hunter2@s3.local", "hunter2hunter2 refused",
                                  "*** refused"),
    "a-proxy-token": ("HTTPS_PROXY", "http://ghp_0123456789abcdef@proxy:3128", "proxy ghp_0123456789abcdef said no",
                      "proxy *** said no"),
    "the-secret-key": ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG", "key wJalrXUtnFEMI/K7MDENG", "key ***"),
    "a-short-placeholder-stays": ("AWS_SECRET_ACCESS_KEY", "testing", "testing the endpoint", "testing the endpoint"),
    "a-user-name-stays": ("AWS_ENDPOINT_URL", "http://admin:S3cretPa55@h", "dbadmin logged in", "dbadmin logged in"),
}  # fmt: skip


@pytest.mark.parametrize("variable, value, text, shown", SHELL_CASES.values(), ids=SHELL_CASES)
def test_what_the_shell_holds_is_masked_wherever_it_appears(monkeypatch, variable, value, text, shown):
    monkeypatch.setenv(variable, value)
    assert masked_text(text) == shown
