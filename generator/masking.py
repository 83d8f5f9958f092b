"""What iotstack never prints: credentials. One module, so that every layer masks alike.

- :func:`masked` is a template or drift value as it may be shown under its property's name: a
  password, token or secret (``MasterUserPassword``, ``AuthTokens``, ``Passwords: [...]``) shows as
  ``(secret, masked)``, a dynamic reference as it is, and inside an object or list every credential
  at any depth is masked. The policy rule E9005 reads the same names.
- :func:`masked_text` is any line as it may be printed: the credentials inside a URL
  (``http://user:password@host``, as an ``AWS_ENDPOINT_URL`` may carry them) are masked.
  :func:`generator.console.echo`, through which every line iotstack prints passes, applies it, as does
  the message of every error on its way out (:class:`generator.cli.base.Failure`).
"""

from __future__ import annotations

import os
import re
from functools import cache
from typing import Any

# A property whose name says it carries a credential (password, token, secret string, private key),
# in the singular, plural or as a list or value of them, in any case and spelling (MasterUserPassword,
# AuthTokens, DB_PASSWORD, x-api-key), must hold a dynamic reference that CloudFormation resolves at
# deploy time, never the value itself. GenerateSecretString is the exception by design: it holds the
# recipe, and AWS makes the value. ("secret" alone is not one: it names a value's place as often, as
# an EventBridge input path does; ClientSecret, SecretKey and the like are.)
_CREDENTIAL_WORDS = ("password", "passwd", "passphrase", "secretstring", "secretkey", "secretaccesskey",
                     "clientsecret", "privatekey", "apikey", "token")  # fmt: skip
SECRET_KEY = rf"(?i)(?!GenerateSecretString$).*({'|'.join(_CREDENTIAL_WORDS)})(s|list|values?)?"
_SEPARATORS = str.maketrans("", "", "_- .\t")  # snake_case, kebab-case, spaced: DB_PASSWORD reads as DBPASSWORD
DYNAMIC_REFERENCE = r"\{\{resolve:(secretsmanager|ssm-secure):.+\}\}"
MASK = "(secret, masked)"

# The user information of a URL (``scheme://user:password@``, up to the last "@" of the word: a
# password may hold "/" or "@"), or ``user:password@host`` written without a scheme.
_URL_CREDENTIALS = r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s'\"<>]*@"
_BARE_CREDENTIALS = r"(?<![\w/:@.%+-])[\w.%+-]+:[^\s/'\"<>@]+@(?=[\w.-])"
URL_MASK = "***"


@cache
def _compiled(pattern: str) -> re.Pattern:
    """A pattern compiled when first used: ``iotstack template`` prints lines but masks none, and every
    compile on its path counts (``make bench``, figure 1)."""
    return re.compile(pattern)


def is_secret_key(key: str) -> bool:
    """Whether a property (or environment variable, or header) of this name carries a credential."""
    return bool(_compiled(SECRET_KEY).fullmatch(key.translate(_SEPARATORS)))


def is_dynamic_reference(value: Any) -> bool:
    """Whether ``value`` is (a ``Fn::Sub`` of) exactly one secure dynamic reference."""
    text = value.get("Fn::Sub") if isinstance(value, dict) and len(value) == 1 else value
    return isinstance(text, str) and bool(_compiled(DYNAMIC_REFERENCE).fullmatch(text))


def masked(key: str, value: Any) -> Any:
    """``value`` as it may be shown under ``key``: a credential's literal is replaced, a dynamic
    reference shown as is; a list of credentials element by element; inside a dict or list, every
    credential at any depth is masked."""
    if value is None:
        return None
    if isinstance(value, list):
        return [masked(key, v) for v in value]
    if is_secret_key(key):
        return value if is_dynamic_reference(value) else MASK
    if isinstance(value, dict):
        return {k: masked(k, v) for k, v in value.items()}
    return value


# Where the shell holds credentials iotstack may meet in a message: the secret key and session token,
# and the user information of an endpoint or proxy URL (whatever it holds: a space, a "/").
_SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
_URL_VARIABLES = ("AWS_ENDPOINT_URL", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")  # AWS_ENDPOINT_URL_<SERVICE> too
# Shorter values are not masked wherever they appear (a placeholder key such as "testing", a password
# such as "pass" would garble "check passed"); inside a URL they are, by its shape.
_SHORTEST_KEY, _SHORTEST_PASSWORD = 8, 6


def masked_text(text: str) -> str:
    """``text`` with the credentials inside every URL in it masked (``http://***@127.0.0.1:5000``), and
    every credential the shell holds (:func:`shell_secrets`) wherever it appears."""
    for secret in shell_secrets():
        if secret in text:
            text = text.replace(secret, URL_MASK)
    if "@" not in text:  # the common case, at the cost of one scan
        return text
    text = _compiled(_URL_CREDENTIALS).sub(rf"\1{URL_MASK}@", text)
    return _compiled(_BARE_CREDENTIALS).sub(f"{URL_MASK}@", text)


def shell_secrets() -> list[str]:
    """The credentials in this process's environment, longest first: the secret key and session token,
    and the password (or the token standing in for a user name) of every AWS endpoint or proxy URL."""
    found = [os.environ[v] for v in _SECRET_VARIABLES if len(os.environ.get(v, "")) >= _SHORTEST_KEY]
    for name, value in os.environ.items():
        if "@" in value and (name.upper() in _URL_VARIABLES or name.upper().startswith("AWS_ENDPOINT_URL_")):
            user = value.split("://", 1)[-1].rsplit("@", 1)[0]  # all before the host: user, or user:password
            secret = user.split(":", 1)[1] if ":" in user else user if len(user) >= _SHORTEST_KEY else ""
            if len(secret) >= _SHORTEST_PASSWORD:
                found.append(secret)
    return sorted(set(found), key=len, reverse=True)
