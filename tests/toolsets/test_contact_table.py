"""The search result's table: columns only for values some contact has, and rows that keep their nulls."""

import json

from qomon_mcp.server.shaping import compact, tool_result
from qomon_mcp.toolsets.helpers.contact_table import contact_table
from qomon_mcp.toolsets.helpers.contact_view import ContactView
from qomon_mcp.toolsets.search import SearchResult


def test_columns_follow_the_view_and_absent_values_are_null() -> None:
    views = [
        ContactView(id=1, surname="Roy", tags=["donor"]),
        ContactView(id=2, firstname="Ada", mail="", tags=[], answers={"Level of support": "Undecided"}),
        ContactView(id=3, black_list=True),
    ]
    columns, rows = contact_table(views)
    assert columns == ["id", "firstname", "surname", "tags", "answers", "black_list"]
    assert rows == [
        [1, None, "Roy", ["donor"], None, None],
        [2, "Ada", None, None, {"Level of support": "Undecided"}, None],
        [3, None, None, None, None, True],
    ]


def test_no_contact_gives_an_empty_table() -> None:
    assert contact_table([]) == ([], [])


def test_shaping_keeps_a_null_in_the_middle_of_a_row() -> None:
    result = SearchResult(columns=["id", "mail", "tags"], rows=[[7, None, ["donor"]], [8, "", []]], count=2)
    shaped = tool_result(result)
    expected = {
        "untrusted": ["mail", "tags"],  # the columns of third-party text, first
        "columns": ["id", "mail", "tags"],
        "rows": [[7, None, ["donor"]], [8, None, None]],
        "count": 2,
    }
    assert shaped.structured_content == expected
    assert json.loads(shaped.content[0].text) == expected


def test_shaping_still_drops_empties_outside_rows_and_inside_cells() -> None:
    value = {"rows": [[1, {"a": None, "b": ""}, [None, "x"]]], "note": "", "tags": ["a", None, ""]}
    assert compact(value) == {"rows": [[1, None, ["x"]]], "tags": ["a"]}


def test_a_result_over_the_cap_loses_rows_never_columns() -> None:
    # Fewer rows than columns, each row heavy: the rows hold the bytes, so they are what is cut.
    columns = [f"c{i}" for i in range(10)]
    rows = [[i, "x" * 3000, *[None] * 8] for i in range(5)]
    shaped = tool_result(SearchResult(columns=columns, rows=rows), max_bytes=10_000)
    data = shaped.structured_content
    assert data is not None
    assert data["columns"] == columns and data["rows"] == rows[:3]
    assert data["notice"].startswith("Result cut to 3 of 5 rows")
