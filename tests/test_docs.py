"""The README and docs/ cannot rot silently: their links lead somewhere, every page is reachable from
the README, and the command line they describe is the one grader/cli.py builds."""

import re

import pytest

from course import REPO

from grader.cli import build_parser

FENCE = re.compile(r"^```.*?^```[ \t]*$", re.S | re.M)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def documents():
    return [REPO / "README.md"] + sorted((REPO / "docs").glob("*.md"))


def prose(text):
    """The text outside fenced blocks and inline code, where a link is a link."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))


def slug(heading):
    """The anchor GitHub gives a heading: its words lowercased, punctuation gone, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path):
    """Every anchor of a Markdown file's headings (a repeated one as -1, -2, ... as GitHub numbers them)."""
    seen, found = {}, set()
    for heading in re.findall(r"^#{1,6} (.+)$", FENCE.sub("", path.read_text(encoding="utf-8")), re.M):
        base = slug(heading)
        found.add(base if base not in seen else "{}-{}".format(base, seen[base]))
        seen[base] = seen.get(base, 0) + 1
    return found


def broken_links(path):
    """[(target, why)] for each relative link of ``path`` that leads nowhere."""
    broken = []
    for target in LINK.findall(prose(path.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue  # a web address: not ours to check
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append((target, "no such file"))
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append((target, "no such heading in " + linked.name))
    return broken


def test_the_documentation_is_there():
    assert len(documents()) > 5 and all(path.stat().st_size for path in documents())


@pytest.mark.parametrize("name", [p.relative_to(REPO).as_posix() for p in documents()])
def test_every_relative_link_leads_to_a_file_and_heading(name):
    assert broken_links(REPO / name) == []


def test_every_docs_page_is_linked_from_the_readme():
    linked = {(REPO / target.partition("#")[0]).resolve()
              for target in LINK.findall(prose((REPO / "README.md").read_text(encoding="utf-8")))}
    assert [p.name for p in documents()[1:] if p.resolve() not in linked] == []


def test_a_broken_link_or_anchor_is_found(tmp_path):
    (tmp_path / "b.md").write_text("# A heading: `with code`\n\n## Twice\n\n## Twice\n", encoding="utf-8")
    page = tmp_path / "a.md"
    page.write_text("[ok](b.md#a-heading-with-code) [ok](b.md#twice-1) [ok](#here) `[code](nowhere.md)`\n"
                    "# Here\n[file](missing.md) [anchor](b.md#nowhere) [third](b.md#twice-2)\n", encoding="utf-8")
    assert broken_links(page) == [("missing.md", "no such file"), ("b.md#nowhere", "no such heading in b.md"),
                                  ("b.md#twice-2", "no such heading in b.md")]


def commands():
    """{name: set of its long options} of every `grader` command, as grader/cli.py builds them."""
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return {name: {o for a in p._actions for o in a.option_strings if o.startswith("--") and o != "--help"}
            for name, p in sub.choices.items()}


def reference_blocks():
    """{command: the options its usage block in docs/commands.md names}."""
    text = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
    blocks = {}
    for name, block in re.findall(r"^### `grader ([\w-]+)`\n+```\n(.*?)^```", text, re.S | re.M):
        blocks[name] = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", block))
    return blocks


def test_the_command_reference_names_every_option_of_every_command_and_no_other():
    assert reference_blocks() == commands()


@pytest.mark.parametrize("name", [p.relative_to(REPO).as_posix() for p in documents()])
def test_every_grader_command_line_in_a_code_block_is_one_grader_takes(name):
    """A `grader ...` line in a fenced block names a real command and only its real options."""
    known = commands()
    for block in FENCE.findall((REPO / name).read_text(encoding="utf-8")):
        for line in block.splitlines():
            command = line.split("  #", 1)[0]
            words = command.split()
            if len(words) < 2 or words[0] != "grader":
                continue
            assert words[1] in known, (name, line)
            options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", command))
            assert options <= known[words[1]], (name, line, options - known[words[1]])
