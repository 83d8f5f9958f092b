"""The deploy commands return what they did as data (generator/deploy/results.py), and the CLI prints their closing
words: deploy, deploy again, --no-execute, destroy, destroy again, on the emulator."""

from generator.cli.base import deployment
from generator.deploy import commands
from generator.deploy.results import ABSENT, DEPLOYED, DESTROYED, NO_CHANGES, READY


def test_each_command_says_what_it_did(aws, project):
    first = commands.deploy(deployment("dev", assume_yes=True, poll_seconds=0))
    assert (first.command, first.stack, first.region, first.action) == ("deploy", "iot-platform-dev", "sa-east-1",
                                                                        DEPLOYED)  # fmt: skip
    assert first.outputs["KinesisStreamName"] == "sensor-data-stream-dev" and first.outcome.status.deployed
    again = commands.deploy(deployment("dev", assume_yes=True, poll_seconds=0))
    assert again.action == NO_CHANGES and again.outcome is None and again.outputs == first.outputs
    project.append("dev", "[kinesis]\nshard_count = 3\n")
    left = commands.deploy(deployment("dev", assume_yes=True, execute=False, poll_seconds=0))
    assert left.action == READY and f"iotstack execute --env dev --change-set {left.change_set}" in left.message
    gone = commands.destroy(deployment("dev", assume_yes=True, poll_seconds=0))
    assert (gone.command, gone.action) == ("destroy", DESTROYED)
    absent = commands.destroy(deployment("dev", assume_yes=True, poll_seconds=0))
    assert absent.action == ABSENT and "nothing to destroy" in absent.message
