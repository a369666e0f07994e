"""``roadinspect train``'s options reach the training as TrainOptions, all of them, with the same defaults."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from roadinspect.cli import build_parser
from roadinspect.training.train import TrainOptions, weak_recipe


def _parsed(*extra: str) -> TrainOptions:
    return TrainOptions.from_args(build_parser().parse_args(["train", "--data", "a", "b", "--out", "run", *extra]))


def test_every_train_option_of_the_command_line_is_a_field_with_the_same_default() -> None:
    args = build_parser().parse_args(["train", "--data", "a", "--out", "run"])
    cli_only = {"command", "handler", "self_test"}
    assert set(vars(args)) - cli_only == {f.name for f in fields(TrainOptions)}
    options = TrainOptions.from_args(args)
    defaults = TrainOptions(data=options.data, out=options.out)
    assert options == defaults


def test_the_options_given_are_the_ones_the_training_reads(tmp_path: Path) -> None:
    options = _parsed("--steps", "7", "--weak-share", "0.25", "--freeze-bn", "--export", str(tmp_path / "w"))
    assert options.data == (Path("a"), Path("b")) and options.out == Path("run")
    assert (options.steps, options.weak_share, options.freeze_bn, options.export) == (7, 0.25, True, tmp_path / "w")
    assert weak_recipe(options)["weak_share"] == 0.25 and weak_recipe(options)["freeze_bn"] is True


def test_a_bad_setting_is_named() -> None:
    with pytest.raises(ValueError, match="--weak-share"):
        weak_recipe(_parsed("--weak-share", "2"))
