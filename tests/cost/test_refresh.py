"""``iotstack prices refresh``: the snapshots prices/<region>.json from a price-file copy (``--from``) and from a
server in AWS's place (``IOTSTACK_PRICES_URL``, a tiny http.server on 127.0.0.1); every snapshot or none written,
the same files giving the same bytes, every failure one line with its exit code. Every price is the copy's, chosen
by the test (:data:`tests.cost.price_files.PRICES`)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from generator import __version__
from generator.cost import offers, snapshot
from generator.cost.rates import RATES
from tests.conftest import ROOT, run
from tests.cost.price_files import PRICES, PUBLISHED, write_price_files
from tests.cost.price_server import serving

REGIONS = sorted(PRICES)  # the copy's: sa-east-1 (dev, staging, prod, two plants) and us-east-1 (two plants)
KINESIS_INDEX = "/offers/v1.0/aws/AmazonKinesis/current/region_index.json"
PROGRAM = "import sys; from generator.cli import main; main(sys.argv[1:], prog_name='iotstack')"  # a real process


def offer_path(service: str, region: str) -> str:
    return f"/offers/v1.0/aws/{service}/20261101000000/{region}/index.json"


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The price-file copy, laid out as AWS serves it; tests only read it."""
    return write_price_files(tmp_path_factory.mktemp("price-files"))


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """urllib would send a request through the shell's proxy: the tests' server is on 127.0.0.1."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(offers.URL_VARIABLE, raising=False)


def refresh(*args: str):
    return run("prices", "refresh", *args)


def written(project) -> list[str]:
    folder = project.root / "prices"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def tiers(chosen) -> list[tuple[Decimal, Decimal | None, Decimal]]:
    """A rate's price in PRICES as (begin, end, per unit) rows, as a snapshot holds them."""
    rows = chosen if isinstance(chosen, list) else [(0, None, chosen)]
    return [(Decimal(b), None if e is None else Decimal(e), Decimal(p)) for b, e, p in rows]


def one_error_line(output: str) -> str:
    """The error a failed command printed: exactly one line, the last, and no traceback."""
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and output.splitlines()[-1] == errors[0], output
    return errors[0].removeprefix("Error: ")


# --- from a copy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
def test_each_region_gets_the_copys_prices_for_every_rate_and_no_decoy(project, copy, region):
    result = refresh("--from", str(copy))
    assert result.exit_code == 0, result.output
    taken = snapshot.load(project.root / "prices", region)
    for key, chosen in PRICES[region].items():
        rate, _, node = key.partition(":")
        found = taken.find(rate, f"NodeUsage:{node}" if node else None)
        assert [(p.begin, p.end, p.per_unit) for p in found] == tiers(chosen), key
    shard_hour = taken.find("shard-hours")[0]
    assert (shard_hour.per_unit, shard_hour.unit, shard_hour.effective) == (
        Decimal(PRICES[region]["shard-hours"]), "ShardHour", PUBLISHED)  # fmt: skip
    assert [p.usage_type for p in taken.prices if p.family == "Decoy"] == []  # 9.99 each in the copy
    assert not [p for p in taken.prices if p.attribute("databaseEngine") == "Aurora MySQL"
                or p.attribute("cacheEngine") == "Memcached" or "DataProcessingIA" in p.usage_type]  # fmt: skip
    assert taken.published == PUBLISHED[:10] and len(taken.offers) == 7


def test_one_line_per_region_with_its_file_count_and_date_then_unchanged_with_the_same_bytes(project, copy):
    count = sum(len(tiers(chosen)) for chosen in PRICES["sa-east-1"].values())
    first = refresh("--from", str(copy))
    assert first.exit_code == 0, first.output
    before = {name: (project.root / "prices" / name).read_bytes() for name in written(project)}
    second = refresh("--from", str(copy))
    assert second.exit_code == 0, second.output
    for result, state in ((first, "written"), (second, "unchanged")):
        lines = [line for line in result.output.splitlines() if line.startswith("prices/")]
        assert lines == [f"prices/{r}.json: {count} prices from 7 offers, the oldest published 2026-11-01; {state}"
                         for r in REGIONS]  # fmt: skip
    assert {name: (project.root / "prices" / name).read_bytes() for name in written(project)} == before
    assert list(before) == ["sa-east-1.json", "us-east-1.json"]


def test_a_changed_price_rewrites_only_its_regions_snapshot(project, copy, tmp_path):
    assert refresh("--from", str(copy)).exit_code == 0
    dearer = json.loads(json.dumps(PRICES))
    dearer["sa-east-1"]["shard-hours"] = "0.03"
    result = refresh("--from", str(write_price_files(tmp_path / "dearer", dearer)))
    assert result.exit_code == 0, result.output
    assert [line.rsplit("; ", 1)[1] for line in result.output.splitlines() if line.startswith("prices/")] == [
        "written", "unchanged"]  # fmt: skip
    assert snapshot.load(project.root / "prices", "sa-east-1").find("shard-hours")[0].per_unit == Decimal("0.03")


def test_a_rate_the_price_list_lacks_is_noted(project, tmp_path):
    lacking = json.loads(json.dumps(PRICES))
    del lacking["us-east-1"]["dashboards"]
    result = refresh("--from", str(write_price_files(tmp_path / "lacking", lacking)))
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note:")]
    assert notes == ["note: us-east-1: no price for dashboards (estimates show these unpriced)"]


def without_fleets(project):
    (project.root / "fleets" / "plants.toml").unlink()


def dev_in_us_east_1(project):
    without_fleets(project)
    dev = project.environment_file("dev")
    dev.write_text(dev.read_text().replace('region = "sa-east-1"', 'region = "us-east-1"'))


@pytest.mark.parametrize("change, args, expected", [
    (None, [], REGIONS),  # the environments' sa-east-1, and the plants' sa-east-1 and us-east-1
    (without_fleets, [], ["sa-east-1"]),
    (dev_in_us_east_1, [], REGIONS),
    (None, ["--region", "us-east-1"], ["us-east-1"]),
    (without_fleets, ["--region", "us-east-1", "--region", "sa-east-1", "--region", "us-east-1"], REGIONS),
], ids=["environments-and-fleet", "environments-only", "an-environment-elsewhere", "one-named",
        "named-twice"])  # fmt: skip
def test_the_regions_are_the_projects_unless_named(project, copy, change, args, expected):
    if change:
        change(project)
    result = refresh("--from", str(copy), *args)
    assert result.exit_code == 0, result.output
    assert written(project) == [f"{r}.json" for r in expected]


# --- what is refused: nothing written -------------------------------------------------------------


def kinesis_without_us_east_1(tmp_path: Path) -> Path:
    """A copy whose Kinesis Region index lacks us-east-1 (read after sa-east-1, whose snapshot is then made)."""
    lacking = write_price_files(tmp_path / "lacking")
    index = lacking / KINESIS_INDEX.lstrip("/")
    data = json.loads(index.read_text())
    del data["regions"]["us-east-1"]
    index.write_text(json.dumps(data))
    return lacking


# Each row: the arguments (from the copy and a tmp folder holding "a-file"), then what the one error says.
@pytest.mark.parametrize("args, message", [
    (lambda copy, tmp: ["--from", copy, "--region", "sa-east-9"],
     "--region sa-east-9: must be an AWS region such as sa-east-1 (did you mean sa-east-1?); "
     "generator/config/regions.py lists all"),
    (lambda copy, tmp: ["--from", copy, "--region", "sa-east-1", "--region", "us-west-2"],
     "the price list of AWSSecretsManager has no region 'us-west-2'; no snapshot was written"),
    (lambda copy, tmp: ["--from", kinesis_without_us_east_1(tmp)],
     "the price list of AmazonKinesis has no region 'us-east-1'; no snapshot was written"),
    (lambda copy, tmp: ["--from", tmp / "nowhere"], "Directory '{tmp}/nowhere' does not exist"),
    (lambda copy, tmp: ["--from", tmp / "a-file"], "Directory '{tmp}/a-file' is a file"),
    (lambda copy, tmp: ["--from", tmp], "{tmp}/offers/v1.0/aws/index.json: no such price list file"),
], ids=["not-a-region", "a-region-the-price-list-lacks", "a-region-one-service-lacks", "no-such-folder",
        "a-file", "not-a-copy"])  # fmt: skip
def test_bad_input_exits_2_naming_it_and_writes_nothing(project, copy, tmp_path, args, message):
    (tmp_path / "a-file").write_text("")
    result = refresh(*map(str, args(copy, tmp_path)))
    assert result.exit_code == 2, result.output
    assert message.format(tmp=tmp_path) in result.output and "Traceback" not in result.output
    assert written(project) == []


def test_a_failed_refresh_leaves_the_previous_snapshots_as_they_were(project, copy, tmp_path):
    assert refresh("--from", str(copy)).exit_code == 0
    before = {name: (project.root / "prices" / name).read_bytes() for name in written(project)}
    dearer = json.loads(json.dumps(PRICES))
    dearer["sa-east-1"]["shard-hours"] = "0.03"
    broken = write_price_files(tmp_path / "broken", dearer)
    (broken / offer_path("awskms", "us-east-1").lstrip("/")).write_text("{")
    result = refresh("--from", str(broken))
    assert result.exit_code == 2 and "not a price list file" in result.output, result.output
    assert {name: (project.root / "prices" / name).read_bytes() for name in written(project)} == before


def test_ctrl_c_while_reading_exits_130_and_writes_nothing(project, copy, monkeypatch):
    local = offers.local

    def interrupted_at_us_east_1(root):
        read = local(root)

        def interrupted(path):
            if path == offer_path("AmazonRDS", "us-east-1"):  # sa-east-1's snapshot is made by then
                raise KeyboardInterrupt
            return read(path)

        return interrupted

    monkeypatch.setattr(offers, "local", interrupted_at_us_east_1)
    result = refresh("--from", str(copy))
    assert result.exit_code == 130, result.output
    assert one_error_line(result.output) == "interrupted (Ctrl-C): files are written whole or not at all"
    assert written(project) == []


# --- from a server in AWS's place -----------------------------------------------------------------


def test_from_the_network_each_file_is_read_once_and_the_bytes_equal_the_copys(project, copy, monkeypatch, tmp_path):
    assert refresh("--from", str(copy)).exit_code == 0
    from_copy = {name: (project.root / "prices" / name).read_bytes() for name in written(project)}
    (project.root / "prices").rename(tmp_path / "from-copy")
    with serving(copy) as server:
        server.faults[offer_path("AmazonRDS", "sa-east-1")] = "gzip"  # the server may choose gzip
        monkeypatch.setenv(offers.URL_VARIABLE, server.url + "/")
        result = refresh()
    assert result.exit_code == 0, result.output
    assert {name: (project.root / "prices" / name).read_bytes() for name in written(project)} == from_copy
    assert len(server.asked) == len(set(server.asked)) == 1 + 7 + 7 * len(REGIONS)  # index, Region indexes, offers
    assert [agent.split(" ")[0] for agent in server.agents] == [f"iotstack/{__version__}"]
    assert f"Reading AWS's price list files from {server.url} for sa-east-1, us-east-1" in result.output


def closed_port(request, monkeypatch) -> str:
    """A port bound on 127.0.0.1 that does not listen: a connection there is refused, and no one else takes it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    request.addfinalizer(sock.close)
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def no_such_host(request, monkeypatch) -> str:
    """A name that does not resolve (the suite's guard lets only loopback names resolve at all)."""

    def unresolved(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unresolved)
    return "https://pricing.example.invalid"


INDEX_URL = "{url}/offers/v1.0/aws/index.json"


@pytest.mark.parametrize("fault, url, said", [
    ({offers.INDEX: 500}, INDEX_URL, "the server answered HTTP 500 Internal Server Error"),
    ({offer_path("AmazonKinesis", "us-east-1"): 404}, "{url}" + offer_path("AmazonKinesis", "us-east-1"),
     "the server answered HTTP 404 Not Found"),
    ({KINESIS_INDEX: "garbage"}, "{url}" + KINESIS_INDEX, "not JSON (Expecting value: line 1 column 1 (char 0))"),
    ({offer_path("awskms", "us-east-1"): "hang"}, "{url}" + offer_path("awskms", "us-east-1"),
     "no answer within 0.3 s"),
    (closed_port, INDEX_URL, "the connection was refused"),
    (no_such_host, INDEX_URL, "the host name does not resolve (Name or service not known)"),
], ids=["http-500", "http-404", "not-json", "no-answer", "connection-refused", "no-such-host"])  # fmt: skip
def test_a_network_failure_exits_1_in_one_line_naming_the_url_and_writes_nothing(
        project, copy, monkeypatch, request, fault, url, said):  # fmt: skip
    monkeypatch.setattr(offers, "TIMEOUT", 0.3)
    with serving(copy) as server:
        if callable(fault):
            base = fault(request, monkeypatch)
        else:
            server.faults.update(fault)
            base = server.url
        monkeypatch.setenv(offers.URL_VARIABLE, base)
        result = refresh()
    assert result.exit_code == 1, result.output
    assert one_error_line(result.output) == (f"cannot read the price list file {url.format(url=base)}: {said}; "
                                             "no snapshot was written")  # fmt: skip
    assert written(project) == []


@pytest.mark.parametrize("value", ["ftp://mirror.example/prices", "pricing.us-east-1.amazonaws.com",
                                   "https://user:S3cretPa55@mirror.example"])  # fmt: skip
def test_a_prices_url_that_is_not_plain_http_is_bad_usage_and_its_password_never_shown(project, monkeypatch, value):
    monkeypatch.setenv(offers.URL_VARIABLE, value)
    result = refresh()
    assert result.exit_code == 2
    shown = value.replace("user:S3cretPa55", "***")
    assert one_error_line(result.output) == (f"{offers.URL_VARIABLE}={shown}: must be an http:// or https:// URL, "
                                             f"without user or password (unset: {offers.PUBLIC})")  # fmt: skip


def test_sigterm_during_a_download_exits_143_and_leaves_the_snapshots_as_they_were(project, copy, tmp_path):
    """A real process, held by the server at us-east-1's KMS offer file (sa-east-1's snapshot made by then)."""
    assert refresh("--from", str(copy)).exit_code == 0
    dearer = json.loads(json.dumps(PRICES))
    dearer["sa-east-1"]["shard-hours"] = "0.03"
    before = {name: (project.root / "prices" / name).read_bytes() for name in written(project)}
    with serving(write_price_files(tmp_path / "dearer", dearer)) as server:
        server.faults[offer_path("awskms", "us-east-1")] = "hang"
        keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
        process = subprocess.Popen([sys.executable, "-c", PROGRAM, "prices", "refresh"], cwd=project.root,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env={**keep, "PYTHONPATH": str(ROOT), offers.URL_VARIABLE: server.url})  # fmt: skip
        try:
            assert server.hanging.wait(30), process.communicate(timeout=5)
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
        finally:
            process.kill()
    assert process.returncode == 128 + signal.SIGTERM, (out, err)
    assert err.splitlines()[-1] == "Error: terminated (SIGTERM): files are written whole or not at all"
    assert {name: (project.root / "prices" / name).read_bytes() for name in written(project)} == before
    assert not [p for p in (project.root / "prices").iterdir() if p.name.startswith(".")]  # no temporary file left


def test_every_rate_is_one_the_copy_prices():
    """The copy prices every rate in both Regions, so a snapshot made from it lacks none (the note's test
    removes one on purpose)."""
    assert all({key.partition(":")[0] for key in PRICES[region]} == set(RATES) for region in REGIONS)
