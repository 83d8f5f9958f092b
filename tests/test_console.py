"""The console: a live status line only on a terminal, and confirmations that never hang a pipeline."""

import click
import pytest

from generator.console import Console, table
from generator.errors import UsageError


def test_on_a_terminal_the_status_line_is_redrawn_and_cleared_before_each_line(capsys):
    console = Console(live=True, interactive=False)
    console.status("UPDATE_IN_PROGRESS  3/10 resources  0m12s")
    console.say("12:00:01  UPDATE_COMPLETE  SensorDataStream")
    console.done()
    assert capsys.readouterr().out == (
        "UPDATE_IN_PROGRESS  3/10 resources  0m12s\r\x1b[K12:00:01  UPDATE_COMPLETE  SensorDataStream\n"
    )


def test_in_a_log_there_is_no_status_line_and_no_control_characters(capsys):
    console = Console(live=False, interactive=False)
    console.status("UPDATE_IN_PROGRESS  3/10 resources  0m12s")
    console.say("a line")
    assert capsys.readouterr().out == "a line\n"


@pytest.mark.parametrize("answer", [True, False])
def test_a_terminal_is_asked_and_the_answer_counts(monkeypatch, answer):
    asked = []
    monkeypatch.setattr(click, "confirm", lambda question, default: asked.append((question, default)) or answer)
    assert Console(live=False, interactive=True).confirm("Execute it?", assume_yes=False) is answer
    assert asked == [("Execute it?", False)]  # the default is no


def test_yes_is_never_asked(monkeypatch):
    monkeypatch.setattr(click, "confirm", lambda *a, **k: pytest.fail("asked"))
    assert Console(live=False, interactive=False).confirm("Execute it?", assume_yes=True)


def test_without_a_terminal_it_stops_instead_of_asking():
    with pytest.raises(UsageError, match="Execute it\\? needs a confirmation, and there is no terminal"):
        Console(live=False, interactive=False).confirm("Execute it?", assume_yes=False)


def test_table_aligns_columns_and_right_aligns_numbers():
    assert table([("name", "bytes"), ("dev", "46,049"), ("prod", "7")], right=(1,)) == (
        "name   bytes\ndev   46,049\nprod       7"
    )
