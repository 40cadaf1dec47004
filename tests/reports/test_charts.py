"""The server-side SVG charts: well-formed, named for screen readers, hostile labels escaped,
and something sensible for no data."""

import xml.etree.ElementTree as ET

import pytest

from reports.charts import PALETTE, bar_chart, line_chart, stacked_bar_chart
from reports.tables import format_duration

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & "Tom\'s"'


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and root.get("aria-labelledby") == title.get("id")
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


CHARTS = [
    lambda labels, values: bar_chart(labels, [("Answers", values)], title="Bars"),
    lambda labels, values: bar_chart(labels, [("Median", values), ("p90", values)],
                                     title="Grouped", heading="First response",
                                     value_format=format_duration),
    lambda labels, values: stacked_bar_chart(labels, [("Open", values), ("Pending", values)],
                                             title="Stacked"),
    lambda labels, values: line_chart(labels, [("Received", values), ("Sent", values)],
                                      title="Lines"),
]


@pytest.mark.parametrize("chart", CHARTS)
def test_charts_parse_and_name_themselves(chart):
    root = parse(chart(["Mail", "Chat", "Phone"], [3, 0, 12]))
    assert root.find(f"{SVG}title").text in {"Bars", "Grouped", "Stacked", "Lines"}
    fills = {node.get("fill") for node in root.iter() if node.get("fill")}
    assert PALETTE[0] in fills


@pytest.mark.parametrize("chart", CHARTS)
def test_labels_are_escaped(chart):
    svg = str(chart([HOSTILE, "Chat"], [1, 2]))
    assert "<script>" not in svg
    root = parse(svg)
    assert any(HOSTILE in text for text in texts(root))


def test_a_hostile_title_and_series_name_are_escaped():
    svg = str(line_chart(["a", "b"], [(HOSTILE, [1, 2])], title=HOSTILE))
    assert "<script>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == HOSTILE


@pytest.mark.parametrize("chart", CHARTS)
def test_empty_data_says_so(chart):
    for labels, values in (([], []), (["Mail"], [None])):
        root = parse(chart(labels, values))
        assert texts(root) == ["No data in this range"]


def test_bars_are_proportional_and_values_written():
    root = parse(bar_chart(["a", "b"], [("n", [5, 10])], title="t"))
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[1] == pytest.approx(2 * widths[0])
    assert {"5", "10"} <= set(texts(root))


def test_durations_are_written_in_words():
    root = parse(bar_chart(["Ana"], [("Median", [7500])], title="t",
                           value_format=format_duration))
    assert "2 h 05 min" in texts(root)


def test_a_missing_value_breaks_the_line():
    root = parse(line_chart(["1", "2", "3", "4"], [("Average", [4.0, None, 3.0, 5.0])],
                            title="t", y_range=(1, 5)))
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2
    assert len(list(root.iter(f"{SVG}circle"))) == 3


@pytest.mark.parametrize("seconds, words", [
    (0, "0 s"), (45, "45 s"), (60, "1 min"), (125, "2 min 05 s"), (3600, "1 h 00 min"),
    (7500, "2 h 05 min"), (86400, "1 d 0 h"), (3 * 86400 + 4 * 3600 + 59, "3 d 4 h"),
    (None, "—"),
])
def test_durations_in_words(seconds, words):
    assert format_duration(seconds) == words
