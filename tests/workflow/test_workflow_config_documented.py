"""The workflow guide lists every setting a run records, with its default, generated."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from stratify import Stratification
from stratify._config import CONFIG_NOTES, DEFAULT_CONFIG, _dotted_keys, defaults_toml

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "workflow.md"
BLOCK = re.compile(r"<!-- config-defaults: start[^>]*-->\n```toml\n(.*?)```\n"
                   r"<!-- config-defaults: end -->", re.S)


def _documented() -> str:
    found = BLOCK.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(found) == 1, "the guide has one generated block of defaults"
    return found[0]


def test_the_guide_shows_the_generated_defaults():
    assert _documented() == defaults_toml(), (
        "docs/guide/workflow.md is out of date: replace its config-defaults block with "
        "stratify._config.defaults_toml()")


def test_the_documented_settings_are_the_recorded_ones():
    documented = tomllib.loads(_documented())
    recorded = Stratification().validate()          # what run() records in run.json
    unset = {key for key in _dotted_keys(recorded) if _value(recorded, key) is None}
    assert set(_dotted_keys(documented)) | unset == set(_dotted_keys(recorded))
    assert unset == {"n_jobs"} and "# n_jobs = " in _documented()
    for key in _dotted_keys(documented):
        assert _value(documented, key) == _value(recorded, key), key
    for key in ["scores.enabled", "quality.enabled", "profile.blocks", "explain.max_rows",
                "replicate.center_correction", "survival.features",
                "survival.include_subgroup", "threads"]:
        assert key in _dotted_keys(documented)


def _value(config: dict, key: str):
    for part in key.split("."):
        config = config[part]
    return config


def test_every_setting_has_a_note_and_a_new_one_without_fails():
    assert set(CONFIG_NOTES) == set(_dotted_keys(DEFAULT_CONFIG))
    with pytest.raises(KeyError, match="cluster.new_key"):
        defaults_toml({**DEFAULT_CONFIG, "cluster": {**DEFAULT_CONFIG["cluster"], "new_key": 1}})


def test_the_generated_text_is_toml_that_gives_the_defaults_back():
    parsed = tomllib.loads(defaults_toml())
    assert Stratification(parsed).validate() == Stratification().validate()
