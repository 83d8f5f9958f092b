"""One write path: all of a run's files or none, temporary names that never collide, the previous
files back on any failure (an error, a folder in the way, an immutable file, a signal), leftovers of
killed runs swept."""

import os

import pytest

from generator import files
from generator.errors import Stopped
from generator.files import UnusablePath, WriteFailed, write_all
from tests.conftest import immutable


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_writes_every_file_and_says_which_changed(tmp_path):
    a, b = tmp_path / "t" / "a.json", tmp_path / "t" / "b.md"
    assert write_all({a: "one\n", b: "two\n"}) == {a: True, b: True}
    assert write_all({a: "one\n", b: "three\n"}) == {a: False, b: True}
    assert (a.read_text(), b.read_text()) == ("one\n", "three\n")
    assert listing(tmp_path / "t") == ["a.json", "b.md"]  # nothing left beside them


def test_an_unchanged_file_is_not_touched(tmp_path):
    path = tmp_path / "dev.json"
    write_all({path: "same\n"})
    os.utime(path, (1, 1))
    assert write_all({path: "same\n"}) == {path: False}
    assert path.stat().st_mtime == 1


def folder_in_the_way(tmp_path, request):
    (tmp_path / "b.json").mkdir()


def b_immutable(tmp_path, request):
    immutable(tmp_path / "b.json", request)


FAILURES = {
    # case: (set up, the path named, what the system says)
    "a-folder-in-the-way": (folder_in_the_way, "b.json", "a folder is in the way"),
    "an-immutable-file": (b_immutable, "b.json", "Operation not permitted"),
}


@pytest.mark.parametrize("setup, named, reason", FAILURES.values(), ids=FAILURES)
def test_a_file_that_cannot_be_written_leaves_every_file_as_it_was(tmp_path, request, setup, named, reason):
    a = tmp_path / "a.json"
    a.write_text("previous a\n")
    if setup is not folder_in_the_way:
        (tmp_path / "b.json").write_text("previous b\n")
    setup(tmp_path, request)
    with pytest.raises(WriteFailed, match=f"cannot write .*{named}: .*{reason}.*; nothing was written"):
        write_all({a: "new a\n", tmp_path / "b.json": "new b\n", tmp_path / "new" / "deep" / "c.json": "c\n"})
    assert a.read_text() == "previous a\n"
    assert listing(tmp_path) == ["a.json", "b.json"]  # the folders the run made are gone again


def test_a_symbolic_link_where_a_file_goes_is_refused_not_written_through(tmp_path):
    """A committed ``templates/dev.md -> ../environments/staging.toml`` would have it overwritten."""
    (tmp_path / "staging.toml").write_text("region = 'sa-east-1'\n")
    link = tmp_path / "dev.md"
    link.symlink_to("staging.toml")
    a = tmp_path / "a.json"
    with pytest.raises(WriteFailed, match=r"cannot write .*dev.md: it is a symbolic link \(to staging.toml\)"):
        write_all({a: "a\n", link: "# dev\n"})
    assert (tmp_path / "staging.toml").read_text() == "region = 'sa-east-1'\n" and link.is_symlink()
    assert not a.exists()


def test_a_replaced_file_keeps_its_mode_and_a_new_one_gets_the_umasks(tmp_path):
    kept, new = tmp_path / "kept.json", tmp_path / "new.json"
    kept.write_text("old\n")
    kept.chmod(0o600)
    umask = os.umask(0o027)
    try:
        write_all({kept: "new\n", new: "new\n"})
    finally:
        os.umask(umask)
    assert (kept.stat().st_mode & 0o777, new.stat().st_mode & 0o777) == (0o600, 0o640)


@pytest.mark.parametrize("stop, raised, message", [
    (OSError(28, "No space left on device"), WriteFailed, r"cannot write .*b\.json: No space left on device"),
    (Stopped(15), Stopped, None),  # SIGTERM while moving
], ids=["disk-full", "sigterm"])  # fmt: skip
def test_a_move_stopped_half_way_puts_back_what_was_moved(tmp_path, monkeypatch, stop, raised, message):
    a, b, c = (tmp_path / n for n in ("a.json", "b.json", "c.json"))
    a.write_text("previous a\n")
    real = os.replace
    moves = []

    def second_move_stops(src, dst):
        moves.append(dst)
        if len(moves) == 2:
            raise stop
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", second_move_stops)
    with pytest.raises(raised, match=message):
        write_all({a: "new a\n", b: "new b\n", c: "c\n"})
    monkeypatch.setattr(files.os, "replace", real)
    assert a.read_text() == "previous a\n"  # moved, then put back
    assert listing(tmp_path) == ["a.json"]


def test_a_path_the_user_gave_is_bad_usage(tmp_path):
    (tmp_path / "README.md").write_text("x\n")
    with pytest.raises(UnusablePath) as raised:
        write_all({tmp_path / "README.md" / "sub" / "dev.json": "{}\n"}, given=True)
    assert raised.value.exit_code == 2


def test_leftovers_never_collide_and_old_ones_are_swept(tmp_path, monkeypatch):
    path = tmp_path / "dev.json"
    old = tmp_path / f".dev.json.{os.getpid()}.tmp"  # what an earlier version left when it was killed
    old.write_text("half")
    os.utime(old, (1, 1))
    fresh = tmp_path / ".dev.json.0123456789ab.tmp"  # another run's, in progress
    fresh.write_text("")
    draws = iter([bytes.fromhex("0123456789ab"), os.urandom(6), os.urandom(6)])
    monkeypatch.setattr(files.os, "urandom", lambda n: next(draws))
    assert write_all({path: "{}\n"}) == {path: True}
    assert path.read_text() == "{}\n"
    assert listing(tmp_path) == [".dev.json.0123456789ab.tmp", "dev.json"]  # the old one swept, the fresh one kept
