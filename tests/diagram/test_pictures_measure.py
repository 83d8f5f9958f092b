"""scripts/pictures_measure.py, on hand-made SVGs shaped as mermaid-cli draws them: the smallest text a
reviewer reads in a 900 px column, and the zones' order."""

import pytest

from scripts.pictures_measure import main, measure, report

STYLE = (
    "#my-svg{font-family:arial;font-size:14px;fill:#333;}"
    "@keyframes dash{to{stroke-dashoffset:0;}}"
    "#my-svg div.mermaidTooltip{position:absolute;font-size:9px;}"  # a tooltip: drawn only on hover
    "#my-svg .flowchartTitleText{font-size:18px;}"
)


def svg(width: float = 800, style: str = STYLE, body: str = "", viewbox: bool = False) -> str:
    size = f'viewBox="0 0 {width} 500"' if viewbox else f'style="max-width: {width}px;" viewBox="0 0 {width} 500"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="my-svg" width="100%" {size}><style>{style}</style>'
        '<text class="flowchartTitleText" x="10" y="10">Region sa-east-1</text>'
        '<g class="nodes"><g class="node default"><foreignObject width="100" height="20">'
        f'<div xmlns="http://www.w3.org/1999/xhtml"><span class="nodeLabel"><p>AuroraCluster</p></span></div>'
        f"</foreignObject></g></g>{body}</svg>"
    )


def zone(letter: str, x: float, dx: float = 0) -> str:
    return (
        f'<g class="root" transform="translate({dx}, 0)"><g class="cluster az" id="my-svg-Vpc_az_{letter}">'
        f'<rect x="{x}" y="10" width="200" height="300"/><g class="cluster-label" transform="translate({x + 90}, 10)">'
        f'<foreignObject width="30" height="21"><div xmlns="http://www.w3.org/1999/xhtml"><span class="nodeLabel">'
        f"<p>AZ {letter}</p></span></div></foreignObject></g></g></g>"
    )


@pytest.mark.parametrize(
    "drawing, width, shown, problems",
    [
        (svg(800), 800, 14, []),  # narrower than the column: as it is
        (svg(1400), 1400, 9, ["text under 12 px"]),  # fitted to 900 px: 14 x 900 / 1400
        (svg(1050), 1050, 12, []),  # just readable
        (svg(900, viewbox=True), 900, 14, []),  # no max-width: the viewBox's
        (svg(800, body='<g style="font-size:10px"><text>small print</text></g>'), 800, 10, ["text under 12 px"]),
        (svg(800, body='<text font-size="11">small</text>'), 800, 11, ["text under 12 px"]),
        (svg(800, STYLE + "#my-svg .edgeLabel{font-size:11px;}", '<g class="edgeLabel"><p>5432/tcp</p></g>'), 800,
         11, ["text under 12 px"]),  # a rule for drawn text counts
        (svg(800, STYLE + "#my-svg .cluster-label{font-size:8px;}"), 800, 14, []),  # a rule for nothing drawn: not
    ],
    ids=["narrow", "too wide", "just readable", "viewBox", "inline style", "attribute", "edge label rule",
         "rule for nothing drawn"],
)  # fmt: skip
def test_the_smallest_text_at_900_px(drawing, width, shown, problems):
    m = measure(drawing)
    assert (m.width, round(m.shown, 2), m.problems) == (width, shown, problems)


@pytest.mark.parametrize(
    "body, zones, problems",
    [
        (zone("a", 100) + zone("b", 400), ("a", "b"), []),
        (zone("b", 100) + zone("a", 400), ("b", "a"), ["zones out of order"]),
        (zone("a", 400, dx=-350) + zone("b", 100), ("a", "b"), []),  # a's box moved left by its group
        ("", (), []),  # no zones (the bootstrap stack's picture)
    ],
    ids=["a then b", "b then a", "translated", "none"],
)
def test_the_zones_read_left_to_right(body, zones, problems):
    m = measure(svg(800, body=body))
    assert (m.zones, m.problems) == (zones, problems)


def test_one_line_per_picture_and_a_failure_exit(tmp_path, capsys):
    (tmp_path / "prod.svg").write_text(svg(1430, body=zone("b", 100) + zone("a", 400)), encoding="utf-8")
    (tmp_path / "dev.svg").write_text(svg(715, body=zone("a", 100) + zone("b", 400)), encoding="utf-8")
    assert main([f"docs/pictures/dev.png={tmp_path / 'dev.svg'}"]) == 0
    assert main([f"docs/pictures/prod.png={tmp_path / 'prod.svg'}", f"dev.png={tmp_path / 'dev.svg'}"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "docs/pictures/dev.png: 715 px wide, smallest text 14 px at 900 px, zones a, b: ok",
        "docs/pictures/prod.png: 1430 px wide, smallest text 8.81 px at 900 px, zones b, a: text under 12 px; "
        "zones out of order",
        "dev.png: 715 px wide, smallest text 14 px at 900 px, zones a, b: ok",
    ]
    assert report("x.png", measure(svg(800))) == "x.png: 800 px wide, smallest text 14 px at 900 px: ok"
