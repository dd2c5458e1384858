"""Settings are declared once, on :class:`Settings`, and checked once, whoever makes them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from test_cli_contract import searchsvc

from searchsvc.errors import InvalidParameter
from searchsvc.settings import Settings, setting, settings_declared


def test_every_setting_is_declared_with_help_and_its_variable() -> None:
    fields = dataclasses.fields(Settings)
    assert [s.name for s in settings_declared()] == [f.name for f in fields]
    for field in fields:
        declared = setting(field.name)
        assert declared.help and declared.default == field.default
        assert declared.env == "SEARCHSVC_" + field.name.upper()


@pytest.mark.parametrize("declared", settings_declared(), ids=lambda s: s.name)
def test_every_setting_is_read_from_the_environment(declared) -> None:
    value = {int: "7", float: "2.5", str: "text", bool: "true"}[declared.type]
    if declared.choices:
        value = declared.choices[-1]
    if declared.maximum is not None and declared.type is not str:
        value = str(min(declared.type(value), declared.maximum))
    if declared.minimum is not None and declared.type is not str:
        value = str(max(declared.type(value), declared.minimum))
    settings = Settings.from_env({declared.env: value})
    assert getattr(settings, declared.name) == declared.type(value)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"port": 70000}, "port must be from 0 to 65535, got 70000"),
        ({"threads": 0}, "threads must be from 1 to 256, got 0"),
        ({"workers": 65}, "workers must be from 1 to 64, got 65"),
        ({"max_body_bytes": 0}, "max_body_bytes must be 1 or more, got 0"),
        ({"commit_interval": -1.0}, "commit_interval must be 0 or more, got -1.0"),
        ({"fragments": 11}, "fragments must be from 0 to 10, got 11"),
        ({"fragment_chars": 10}, "fragment_chars must be from 20 to 1000, got 10"),
        ({"port": "80"}, "port must be an integer, got '80'"),
        ({"port": True}, "port must be an integer, got True"),
        ({"host": 1}, "host must be a string, got 1"),
    ],
)
def test_a_value_out_of_range_or_of_the_wrong_type_is_refused(changes, message) -> None:
    with pytest.raises(InvalidParameter) as raised:
        Settings(**changes)
    assert (raised.value.message, raised.value.details) == (message, {"setting": next(iter(changes))})
    # replace() makes a Settings too: it is checked alike.
    with pytest.raises(InvalidParameter):
        Settings().replace(**changes)


def test_optional_settings_take_none_and_a_float_takes_an_integer() -> None:
    assert Settings(api_key=None, variants_file=None, commit_interval=0).commit_interval == 0


def test_the_environment_names_its_variable_and_an_override_wins() -> None:
    with pytest.raises(InvalidParameter, match="^environment variable SEARCHSVC_PORT: port must be from 0"):
        Settings.from_env({"SEARCHSVC_PORT": "70000"})
    with pytest.raises(InvalidParameter, match="SEARCHSVC_PORT='x' is not a valid int"):
        Settings.from_env({"SEARCHSVC_PORT": "x"})
    assert Settings.from_env({"SEARCHSVC_PORT": "70000"}, port=9000).port == 9000
    with pytest.raises(InvalidParameter, match="^port must be from 0 to 65535, got -1$"):
        Settings.from_env({}, port=-1)


@pytest.mark.parametrize(
    ("args", "env", "status", "message"),
    [
        (("serve", "--port", "70000"), {}, 2, "Invalid value for '--port': port must be from 0 to 65535"),
        (("serve", "--workers", "0"), {}, 2, "Invalid value for '--workers': workers must be from 1 to 64"),
        (("index", "--max-field-length", "0", "x.jsonl"), {}, 2, "'--max-field-length': max_field_length"),
        (("serve",), {"SEARCHSVC_THREADS": "0"}, 2, "environment variable SEARCHSVC_THREADS: threads must"),
    ],
)
def test_the_cli_refuses_a_setting_in_one_line(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], status: int, message: str
) -> None:
    (tmp_path / "x.jsonl").write_text('{"id": "1"}\n')
    result = searchsvc(*args, cwd=tmp_path, env=env)
    assert result.returncode == status
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert message in result.stderr
