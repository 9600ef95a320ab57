"""Typed experiment specifications: every catalogue configuration parses unchanged, and a
misspelt or ill-typed key is refused before anything is built."""

import copy

import pytest

from i2ibook import catalogue
from i2ibook.runner import build_data, make_config, train_translation
from i2ibook.specs import (
    AudioData,
    BiasedFacesData,
    ContentData,
    DigitsData,
    ImageSetData,
    MultiDomainData,
    PseudoPairData,
    RegistryData,
    SceneData,
    SpecError,
    ZeroPairData,
    parse_data,
    parse_experiment,
)
from i2ilib.results import config_hash


def _all_configs():
    for scale in ("smoke", "book", "paper"):
        for makers in catalogue.RUNS.values():
            for make in makers:
                yield make(scale)


def test_every_catalogue_configuration_parses_with_its_dict_and_hash_unchanged():
    n = 0
    kinds = set()
    for name, config in _all_configs():
        before = (copy.deepcopy(config), config_hash(config))
        _, data, _ = parse_experiment(config)
        kinds.add(type(data))
        assert (config, config_hash(config)) == before, name
        n += 1
    assert n >= 300
    assert kinds == {SceneData, RegistryData, PseudoPairData, DigitsData, ContentData,
                     ImageSetData, ZeroPairData, BiasedFacesData, MultiDomainData, AudioData}


def _scene_config(**data_changes):
    _, config = catalogue.cyclegan_scenes_run("smoke")
    return dict(config, data=dict(config["data"], **data_changes))


@pytest.mark.parametrize("key, suggestion", [("fliip", "flip"), ("alpah", "alpha"),
                                              ("n_tset", "n_test")])
def test_misspelt_data_key_names_the_valid_keys(key, suggestion):
    config = _scene_config(**{key: 0})
    with pytest.raises(SpecError, match=f"did you mean '{suggestion}'") as err:
        build_data(config)
    assert "Valid keys: source, task, size, n_train, n_test" in str(err.value)
    with pytest.raises(SpecError, match=key):
        train_translation(config)


def test_misspelt_top_level_and_trainer_keys_are_refused():
    _, config = catalogue.cyclegan_scenes_run("smoke")
    with pytest.raises(SpecError, match="n_shwo.*did you mean 'n_show'"):
        parse_experiment(dict(config, n_shwo=3))
    with pytest.raises(SpecError, match="lambda_cyk"):
        parse_experiment(dict(config, trainer=dict(config["trainer"], lambda_cyk=5.0)))
    with pytest.raises(ValueError, match="lambda_cyk"):
        make_config("cyclegan", config["data"], {"lambda_cyk": 5.0}, "smoke")
    with pytest.raises(SpecError, match="fliip"):
        make_config("cyclegan", dict(config["data"], fliip=False), {}, "smoke")


@pytest.mark.parametrize("changes, message", [
    ({"size": "64"}, r"\['size'\] must be int"),
    ({"flip": 1}, r"\['flip'\] must be bool"),
    ({"alpha": 1.5}, r"must lie in \[0, 1\]"),
    ({"task": "day2nite"}, "not a SynthScenes task"),
    ({"n_train": 0}, "positive integer"),
])
def test_bad_values_are_refused(changes, message):
    with pytest.raises(SpecError, match=message):
        parse_experiment(_scene_config(**changes))


def test_missing_key_unknown_source_and_method_rules():
    data = dict(_scene_config()["data"])
    del data["n_test"]
    with pytest.raises(SpecError, match="Missing key.*n_test"):
        parse_data(data)
    with pytest.raises(SpecError, match="must be one of synthscenes, registry, pseudopairs"):
        parse_data(dict(data, source="scenes"))
    _, config = catalogue.pseudo_pairs_run("smoke")
    with pytest.raises(SpecError, match="not a dataset configuration"):
        parse_experiment(dict(config, data=dict(config["data"], setting="ourz")))
    parse_experiment(dict(config, data=dict(config["data"], glasses_scale=2.0)))  # a pilot's
    with pytest.raises(SpecError, match="glasses_scale.*positive"):
        parse_experiment(dict(config, data=dict(config["data"], glasses_scale=0.0)))
    _, config = catalogue.implicit_pairs_run("smoke", alpha=0.5)
    with pytest.raises(SpecError, match="unpaired training"):
        parse_experiment(dict(config, method="pix2pix"))
    with pytest.raises(SpecError, match="scale"):
        parse_experiment(dict(config, scale="huge"))
