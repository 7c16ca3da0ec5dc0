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


# --- Hostile YAML: one line naming the file, never a crash --------------------------

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)  # 342 bytes that expand to 9**9 values
HOSTILE = {
    "nested-1000-flow": "[" * 1000 + "]" * 1000,
    "nested-1000-block": "".join(" " * i + "a:\n" for i in range(1000)) + " " * 1000 + "x\n",
    "nested-30000": "[" * 30000 + "]" * 30000,
    "self-alias-list": "a: &a [1, *a]\n",
    "self-alias-map": "&a {b: *a}\n",
    "billion-laughs": LAUGHS,
    "deep-through-aliases": "a: &a " + "[" * 40 + "]" * 40 + "\nb: " + "[" * 30 + "*a" + "]" * 30,
}


@pytest.fixture(params=["libyaml", "pure-python"])
def loader(request, monkeypatch):
    """Both parsers: the C one by default, the Python one where libyaml is missing."""
    import yaml

    import advisor.yamlio

    if request.param == "pure-python":
        monkeypatch.setattr(advisor.yamlio, "_Loader", yaml.SafeLoader)
    return request.param


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_yaml_is_one_clear_error(loader, name):
    with pytest.raises(InputError) as exc:
        parse_yaml(HOSTILE[name], "evil.yaml")
    message = str(exc.value)
    assert message.startswith("evil.yaml:") and "\n" not in message
    assert any(
        words in message
        for words in ("nested more than 64", "refers to itself", "alias bomb", "nesting depth")
    ), message


def test_aliases_that_stay_small_still_work():
    data, _ = parse_yaml("base: &b {x: 1, y: [1, 2]}\nother: *b\nmore: [*b, *b]\n", "ok.yaml")
    assert data["other"] == data["more"][1] == {"x": 1, "y": [1, 2]}


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * (6 * 1024 * 1024) + "\n")
    with pytest.raises(InputError, match=r"big.yaml: larger than the 5 MB limit \(6.0 MB\)"):
        load_yaml(big)
    with pytest.raises(InputError, match="too large"):
        parse_yaml(big.read_text(), "big.yaml")


@pytest.mark.parametrize("name", ["nested-30000", "nested-1000-flow", "billion-laughs"])
def test_hostile_answers_files_through_the_cli(tmp_path, name):
    # A real process: a segmentation fault would show as a negative return code.
    from conftest import run_cli

    evil = tmp_path / "evil.yaml"
    evil.write_text(HOSTILE[name])
    fine = tmp_path / "fine.yaml"
    fine.write_text("{}\n")
    for command in (
        ["advise", str(evil)],
        ["costs", str(evil)],
        ["costs", str(fine), "--prices", str(evil)],
    ):
        result = run_cli(*command)
        assert result.returncode == 2, (command, result.returncode, result.stderr[-300:])
        assert result.stderr.count("\n") == 1 and "evil.yaml:" in result.stderr
        assert "Traceback" not in result.stderr
