"""The README is a front door and the manual in docs/ holds together: every page reachable from the
README, every relative link and anchor pointing at something that exists, every make target named real
(the README, "Commands"; docs/development.md, "Tests")."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
DOCUMENTS = [README, *PAGES]

FENCE = re.compile(r"^\s*(```|~~~)")
# [text](target) and ![alt](target); a title after the target ("...") is allowed.
LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_SPAN = re.compile(r"(`+).+?\1")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def prose(text: str) -> list[tuple[int, str]]:
    """The lines of a Markdown text outside code fences, with their numbers."""
    lines, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append((number, line))
    return lines


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: its text (links and code as their words), lowercased, every
    character but letters, digits, spaces, hyphens and underscores removed, spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a Markdown file; a repeated heading gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    found = set()
    for _, line in prose(path.read_text(encoding="utf-8")):
        if match := HEADING.match(line):
            slug = anchor(match[2])
            found.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
            seen[slug] = seen.get(slug, 0) + 1
    return found


def links(path: Path) -> list[tuple[int, str]]:
    """The relative links of a Markdown file (no URL with a scheme, no mail address), with their lines."""
    return [(number, target) for number, line in prose(path.read_text(encoding="utf-8"))
            for target in LINK.findall(CODE_SPAN.sub("", line))  # a link in a code span is code
            if not re.match(r"[a-z][a-z0-9+.-]*:", target)]  # fmt: skip


def resolved(path: Path, target: str) -> tuple[Path, str]:
    """The file a link of ``path`` points at and its anchor ("" for none)."""
    file, _, fragment = target.partition("#")
    return ((path.parent / file).resolve() if file else path), fragment


ANCHORS = {
    "plain": ("Deploying", "deploying"),
    "apostrophe-dropped": ("Access for the platform's users", "access-for-the-platforms-users"),
    "code-kept-as-words": ("`make check` and `iotstack diff`", "make-check-and-iotstack-diff"),
    "link-kept-as-words": ("See [the pipeline](pipeline.md)", "see-the-pipeline"),
    "punctuation-dropped": ("Exit codes: 0, 1, 2 (and 3)!", "exit-codes-0-1-2-and-3"),
    "hyphens-and-underscores-kept": ("drift-role and NO_COLOR", "drift-role-and-no_color"),
}


@pytest.mark.parametrize("heading, expected", list(ANCHORS.values()), ids=list(ANCHORS))
def test_anchor_follows_githubs_rules(heading, expected):
    assert anchor(heading) == expected


def test_a_repeated_heading_gets_a_number(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Notes\n\n## Notes\n\n```sh\n# not a heading\n```\n\n## `make demo`\n")
    assert anchors(page) == {"notes", "notes-1", "make-demo"}


def test_the_readme_is_a_front_door():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines < 200, f"README.md has {lines} lines: the manual belongs in docs/, one page per job"


def test_every_page_of_the_manual_is_linked_from_the_readme():
    linked = {resolved(README, target)[0] for _, target in links(README)}
    assert [p.name for p in PAGES if p.resolve() not in linked] == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=[str(d.relative_to(ROOT)) for d in DOCUMENTS])
def test_every_relative_link_points_at_a_file_and_heading_that_exist(document):
    broken = []
    for number, target in links(document):
        file, fragment = resolved(document, target)
        if not file.exists():
            broken.append(f"{document.name}:{number}: {target}: no such file")
        elif fragment and (file.suffix != ".md" or fragment not in anchors(file)):
            broken.append(f"{document.name}:{number}: {target}: no heading #{fragment} in {file.name}")
    assert broken == []


def make_targets(text: str) -> set[str]:
    """The make targets a Markdown text names: `make X` in code spans, and commands in code blocks."""
    named, fenced = set(), False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif fenced:
            named.update(re.findall(r"^\s*(?:\$\s+)?make\s+([a-z][\w-]*)", line))
        else:
            named.update(re.findall(r"`make ([a-z][\w-]*)", line))
    return named


MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def test_the_readme_names_the_two_commands():
    assert {"template", "test"} <= make_targets(README.read_text(encoding="utf-8"))


@pytest.mark.parametrize("document", DOCUMENTS, ids=[str(d.relative_to(ROOT)) for d in DOCUMENTS])
def test_every_make_target_named_is_in_the_makefile(document):
    targets = set(re.findall(r"^([a-z][\w-]*):", MAKEFILE, re.MULTILINE))
    assert sorted(make_targets(document.read_text(encoding="utf-8")) - targets) == []


def test_the_readme_links_every_target_make_help_lists():
    listed = set(re.findall(r"^([a-z][\w-]*):.*## ", MAKEFILE, re.MULTILINE))
    linked = set(re.findall(r"\[`make ([a-z][\w-]*)[^`]*`\]\(", README.read_text(encoding="utf-8")))
    assert sorted(listed - linked) == []
