"""One price list file over HTTP(S), with the standard library: :func:`fetch_json` is what
:func:`generator.cost.offers.remote` calls for each file. Imported only by a refresh from the network, so
that what reads snapshots (estimates, ``diff``) never loads urllib and ssl.

The body streams into a spooled temporary file (memory, then disk beyond
:data:`~generator.cost.offers.SPOOLED`), gzip when the server chose it, then is parsed. Every way it can fail
is one :class:`~generator.cost.offers.PriceListUnavailable` that names the URL and what happened; Ctrl-C and
SIGTERM pass through (the temporary file goes with them, and nothing has been written yet).
"""

from __future__ import annotations

import gzip
import http.client
import json
import shutil
import socket
import ssl
import tempfile
import urllib.error
import urllib.request
import zlib

from generator import __version__
from generator.cost.offers import SPOOLED, PriceListUnavailable
from generator.errors import TOO_DEEP

USER_AGENT = f"iotstack/{__version__} (iotstack prices refresh; Python urllib)"
CHUNK = 1 << 20


def fetch_json(url: str, timeout: float) -> dict:
    """The JSON object at ``url``; :class:`PriceListUnavailable` naming ``url`` when there is none."""
    with tempfile.SpooledTemporaryFile(SPOOLED) as body:
        zipped = _download(url, body, timeout)
        body.seek(0)
        try:
            data = json.load(gzip.GzipFile(fileobj=body, mode="rb") if zipped else body)
        except RecursionError:
            raise _unavailable(url, f"its JSON is {TOO_DEEP}") from None
        except ValueError as exc:  # json.JSONDecodeError, UnicodeDecodeError
            raise _unavailable(url, f"not JSON ({exc})") from None
        except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
            raise _unavailable(url, f"its gzip body is broken ({exc})") from None
    if not isinstance(data, dict):
        raise _unavailable(url, f"JSON {type(data).__name__}, not an object: not a price list file")
    return data


def _download(url: str, body, timeout: float) -> bool:
    """Stream the body at ``url`` into ``body``; whether it is gzip (the server's choice: we accept it)."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip",
                                                   "Accept": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            shutil.copyfileobj(response, body, CHUNK)
            return response.headers.get("Content-Encoding", "").strip().lower() == "gzip"
    except urllib.error.HTTPError as exc:
        raise _unavailable(url, f"the server answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise _unavailable(url, _reason(exc.reason, timeout)) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:  # ValueError: http.client.InvalidURL
        raise _unavailable(url, _reason(exc, timeout)) from None


def _unavailable(url: str, what: str) -> PriceListUnavailable:
    return PriceListUnavailable(f"cannot read the price list file {url}: {what}")


def _reason(error: BaseException | str, timeout: float) -> str:
    """What went wrong, as a person says it."""
    if isinstance(error, TimeoutError):  # socket.timeout is TimeoutError
        return f"no answer within {timeout:g} s"
    if isinstance(error, socket.gaierror):
        return f"the host name does not resolve ({error.strerror or error})"
    if isinstance(error, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed ({error.reason or error})"
    if isinstance(error, (http.client.HTTPException, ConnectionError)):
        return f"the connection broke off ({type(error).__name__}: {error})"
    if isinstance(error, OSError):
        return error.strerror or str(error) or type(error).__name__
    return str(error)
