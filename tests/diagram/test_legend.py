"""generator/diagram/legend.py: a legend of what the picture shows, drawn with its own lines and shapes."""

import pytest

from generator.diagram.legend import legend


def link(a, b, label, kind):
    return f"{a}-{b} {kind}: {label}"


def node(k, text, shape):
    return f"{k} {shape}: {text}"


@pytest.mark.parametrize(
    "kinds, shapes, changes, samples",
    [
        ({"traffic", "route"}, {"store", "other"}, set(),
         ["traffic: traffic a security group allows (port)", "route: a route out of a subnet", "store: data store",
          "other: other resource"]),
        ({"data", "login"}, {"who"}, set(),
         ["data: data an IAM permission lets in or out", "login: an IAM database login", "who: IAM policy or role"]),
        (set(), {"other"}, set(), []),  # plain boxes alone: nothing to explain
        (set(), {"key", "other"}, {"modified", "removed"},
         ["key: KMS key", "other: other resource", "modified: modified", "removed: removed"]),
    ],
    ids=["network", "access", "plain boxes", "a change"],
)  # fmt: skip
def test_the_legend_shows_what_the_picture_uses(kinds, shapes, changes, samples):
    lines, classes = legend(link, node, kinds, shapes, changes)
    said = [line.strip().split(" ", 1)[1] for line in lines if ": " in line]
    assert said == samples
    if samples:
        assert lines[0] == '  subgraph legend_box["Legend"]' and lines[-1] == "  end"
    else:
        assert (lines, classes) == ([], {})


def test_sample_lines_run_between_invisible_points():
    lines, classes = legend(link, node, {"traffic"}, {"store"}, set())
    assert classes == {"blank": ["legend_traffic_from", "legend_traffic_to"], "store": ["legend_store"]}
    assert "    legend_traffic_from-legend_traffic_to traffic: traffic a security group allows (port)" in lines
