import pytest

from advisor.errors import InputError
from advisor.yamlio import format_path, load_yaml, parse_yaml


def test_lines_are_recorded_per_path():
    data, lines = parse_yaml("a: 1\nb:\n  - x\n  - {c: 2}\n", "f.yaml")
    assert data == {"a": 1, "b": ["x", {"c": 2}]}
    assert lines.line(("a",)) == 1
    assert lines.line(("b", 1, "c")) == 4
    # A missing field falls back to its nearest ancestor's line.
    assert lines.line(("b", 1, "nope")) == 4


def test_invalid_yaml_names_file_and_line():
    with pytest.raises(InputError) as exc:
        parse_yaml("a: 1\nb: [unclosed\nc: 2\n", "bad.yaml")
    problem = exc.value.problems[0]
    assert problem.file == "bad.yaml"
    assert problem.line == 3
    assert str(exc.value).startswith("bad.yaml:3: invalid YAML")


def test_duplicate_keys_are_errors_not_silently_overwritten():
    with pytest.raises(InputError) as exc:
        parse_yaml("a: 1\nb: 2\na: 3\n", "dup.yaml")
    assert str(exc.value) == "dup.yaml:3: a: duplicate key 'a'"


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_yaml(tmp_path / "nope.yaml")


def test_format_path():
    assert format_path(("rules", 3, "when", "all", 0)) == "rules[3].when.all[0]"
    assert format_path(()) == ""
