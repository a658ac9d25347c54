"""One error base: every error the kit raises on purpose is a KitError with an exit status."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import kit
from kit.errors import EXIT_QUALITY, EXIT_SCHEMA, EXIT_USAGE, KitError


def _kit_modules():
    for info in pkgutil.walk_packages(kit.__path__, "kit."):
        yield importlib.import_module(info.name)


def test_every_error_class_of_the_kit_derives_from_kit_error():
    errors = {}
    for module in _kit_modules():
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, Exception) and not issubclass(obj, Warning)
                    and not name.startswith("_")  # internal signals that never reach a user
                    and obj.__module__ == module.__name__):
                errors[f"{module.__name__}.{name}"] = obj
    # kit.stats imports nothing from the kit, so its errors (none today) could not derive from KitError
    assert len(errors) >= 8, sorted(errors)
    bad = [name for name, cls in errors.items() if not issubclass(cls, KitError) and not name.startswith("kit.stats.")]
    assert bad == []


def test_exit_codes_and_messages_in_the_report_language():
    from kit.params import ParamsError
    from kit.schema import DataQualityError, SchemaError

    assert SchemaError("x").exit_code == EXIT_SCHEMA and DataQualityError("x").exit_code == EXIT_QUALITY
    err = ParamsError(["min_n must be a whole number >= 1; got 0"])
    assert err.exit_code == EXIT_USAGE and isinstance(err, ValueError)  # still a ValueError for callers
    assert err.message("en") == "Parameters are not valid: min_n must be a whole number >= 1; got 0"
    assert err.message("zh").startswith("参数无效：") and "min_n" in err.message("zh")
    assert SchemaError("column 'rep_name' is missing").message("zh").startswith("数据不符合数据约定：")


def test_the_command_line_catches_kit_errors_in_one_place():
    source = inspect.getsource(importlib.import_module("kit.cli"))
    assert source.count("except KitError") == 1
    for name in ("SchemaError", "DataQualityError", "ParamsError", "ReportError", "InstrumentError"):
        assert f"except {name}" not in source and f"isinstance(exc, {name}" not in source, name


def test_a_subclass_names_its_exit_code():
    class Odd(KitError, exit_code=7):
        pass

    with pytest.raises(KitError) as info:
        raise Odd("odd")
    assert info.value.exit_code == 7 and KitError("x").exit_code == EXIT_USAGE
