from enum import StrEnum

from pydantic import BaseModel

from qomon_mcp.server.shaping import compact


class Colour(StrEnum):
    NONE = ""
    RED = "red"


class Inner(BaseModel):
    name: str | None = None
    tags: list[str] = []


class Outer(BaseModel):
    inner: Inner | None = None
    rows: list[list[object]] = []


def test_empty_values_go_and_zero_and_false_stay() -> None:
    value = {"a": None, "b": "", "c": [], "d": {}, "e": 0, "f": False, "g": 0.0, "h": {"x": [None, "", {}]}}
    assert compact(value) == {"e": 0, "f": False, "g": 0.0}


def test_table_rows_keep_their_empty_cells_in_place() -> None:
    rows = [[1, "", None, {"k": ""}, ["a", ""]], [2, "x", [], {}, 0]]
    assert compact({"rows": rows}) == {"rows": [[1, None, None, None, ["a"]], [2, "x", None, None, 0]]}


def test_tuples_are_read_as_lists() -> None:
    assert compact({"t": (1, None, ())}) == {"t": [1]}
    assert compact({"t": ((), ("", 1))}) == {"t": [[None, 1]]}


def test_subclasses_of_str_and_dict_are_read_as_such() -> None:
    class Mapping(dict):  # type: ignore[type-arg]
        pass

    assert compact({"colour": Colour.NONE, "m": Mapping(a=None, b=1)}) == {"colour": Colour.NONE, "m": {"b": 1}}


def test_models_are_dumped_then_compacted_at_any_depth() -> None:
    value = {"outer": Outer(inner=Inner(tags=[]), rows=[[None, Inner(name="n")]])}
    assert compact(value) == {"outer": {"rows": [[None, {"name": "n"}]]}}
    assert compact(Outer(inner=Inner())) == {}
