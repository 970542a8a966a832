"""common.display's bar chart writes whole SVG coordinates as integers ("22", never "22.0"), as the
public page's charts did before they shared the one geometry, and keeps one decimal otherwise."""

from django.template.loader import render_to_string

from common.display import BarLayout, bar_chart, svg_number


def test_svg_number_writes_whole_numbers_without_a_decimal_and_others_to_one_decimal():
    values = (22.0, 0.0, 2, 13.04, 13.06, 286.25)

    assert [str(svg_number(v)) for v in values] == [
        "22",
        "0",
        "2",
        "13",
        "13.1",
        "286.2",
    ]


def test_bar_chart_whole_coordinates_are_integers():
    layout = BarLayout(width=520, label_width=120, right=80, bar_height=18)

    chart = bar_chart([("Phone", [("a", 10.0, "10"), ("b", None, "—")])], 20.0, layout)

    bar, missing = chart["rows"][0]["bars"]
    assert (bar["width"], bar["text_x"], bar["text_y"]) == (160, 286, 22)
    assert all(type(bar[key]) is int for key in ("width", "text_x", "text_y"))
    assert missing["width"] == 0 and type(missing["width"]) is int
    assert type(chart["rows"][0]["label_y"]) is int


def test_public_chart_svg_has_no_whole_number_written_with_a_decimal():
    layout = BarLayout(width=360, label_width=0, right=72, bar_height=16, row_gap=10, label_above=20)
    chart = bar_chart([("Téléphone", [("score", 14.5, "14,50")]), ("E-mail", [("score", 20.0, "20,00")])], 20.0, layout)

    svg = render_to_string("palmares/_bar_chart.html", {"chart": chart, "desc_id": "d", "desc": "Scores"})

    assert '<text x="0" y="23" class="chart-label"' in svg
    assert 'width="208.8"' in svg  # 288 × 14.5 / 20, not whole: one decimal
    assert 'width="288" height="16"' in svg
    assert '.0"' not in svg
