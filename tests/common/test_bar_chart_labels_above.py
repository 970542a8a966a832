"""common.display.bar_chart with ``label_above``: each row's label on its own line above its bars,
so the longest channel name never competes with the bars for width (issue 19)."""

from common.display import BarLayout, bar_chart

LAYOUT = BarLayout(width=360, label_width=0, right=72, bar_height=16, row_gap=10, label_above=20)


def test_bar_chart_label_above_puts_each_label_over_its_bars_from_the_left_edge():
    # Arrange
    rows = [
        ("Téléphone", [("a", 20.0, "20,00"), ("b", 10.0, "10,00")]),
        ("Réseaux sociaux", [("a", 5.0, "5,00"), ("b", None, "—")]),
    ]

    # Act
    chart = bar_chart(rows, 20.0, LAYOUT)

    # Assert: labels start at x=0, each above its own first bar and below the previous row's last bar
    assert (chart["label_x"], chart["label_anchor"]) == (0, "start")
    first, second = chart["rows"]
    assert first["label_y"] < first["bars"][0]["y"]
    assert first["bars"][-1]["y"] + LAYOUT.bar_height < second["label_y"] < second["bars"][0]["y"]
    # bars start at the left edge and the longest one leaves room for its value
    assert {b["x"] for row in chart["rows"] for b in row["bars"]} == {0}
    assert first["bars"][0]["width"] == LAYOUT.width - LAYOUT.right
    assert chart["height"] == second["bars"][-1]["y"] + LAYOUT.bar_height + LAYOUT.gap + LAYOUT.row_gap


def test_bar_chart_without_label_above_keeps_labels_beside_the_bars():
    # Arrange
    layout = BarLayout(width=520, label_width=120, right=80, bar_height=18)

    # Act
    chart = bar_chart([("Phone", [("a", 10.0, "10")])], 20.0, layout)

    # Assert
    assert (chart["label_x"], chart["label_anchor"]) == (110, "end")
    assert chart["rows"][0]["bars"][0]["x"] == 120
