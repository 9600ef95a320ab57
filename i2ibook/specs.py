"""Typed experiment specifications: what a chapter's configuration may say, checked before
anything is built.

A stored run keeps its configuration as a plain dict (its hash names the run, so the dict is
the record); these dataclasses are the *schema* of that dict. :func:`parse_experiment` turns a
configuration into an :class:`Experiment` and refuses, with a :class:`SpecError` that names the
valid choices, every key the code would not read (``"fliip"``, ``"alpah"``), every missing key
and every value of the wrong kind -- where reading the dict with ``.get(key, default)`` would
silently train something else.

The three data sources:

- :class:`SceneData` -- SynthScenes rendered on the fly (``"source": "synthscenes"``);
- :class:`RegistryData` -- a real dataset of :mod:`i2ilib.data.registry` read from ``$I2I_DATA``
  (``"source": "registry"``, paper scale);
- :class:`PseudoPairData` -- SynthFaces with pseudo-pairs, Ginger et al. 2019 Sec. 4.2
  (``"source": "pseudopairs"``);
- :class:`DigitsData` -- handwritten digits (A) and printed, street-number-like digits (B) of
  :mod:`i2ilib.data.digits`, a few A samples beside many B samples (``"source": "digits"``,
  one-shot translation);
- :class:`ContentData` -- faces without (A) and with (B) an attribute, for content transfer
  (``"source": "content"``: SynthFaces with the truth of removal and guided transfer, or
  CelebA at paper scale);
- :class:`ZeroPairData` -- SynthScenes as two disjoint paired sets (RGB, segmentation) and (RGB,
  depth) with test scenes that have all three (``"source": "zeropair"``, mix and match
  networks);
- :class:`AudioData` -- spectrograms of unmatched instrumental clips (A) and of mixtures with a
  voice (B), test mixtures with their true parts (``"source": "audio"``, audio separation).
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = ["DATA_SPECS", "AudioData", "ContentData", "DigitsData", "Experiment", "PseudoPairData", "RegistryData", "SceneData",
           "SpecError", "ZeroPairData", "parse_data", "parse_experiment"]


class SpecError(ValueError):
    """A configuration the book cannot run: an unknown, missing or ill-typed key."""


def _check_keys(cls: type, d: dict[str, Any], where: str) -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(d) - set(names))
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, names, n=1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise SpecError(f"Unknown key(s) in {where}: {', '.join(hints)}. Valid keys: "
                        f"{', '.join(names)}.")
    required = [f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [k for k in required if k not in d]
    if missing:
        raise SpecError(f"Missing key(s) in {where}: {', '.join(missing)} (required: "
                        f"{', '.join(required)}).")


def _check_types(obj: Any, where: str) -> None:
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value, hint = getattr(obj, f.name), hints[f.name]
        allowed = typing.get_args(hint) or (hint,)
        ok = False
        for t in allowed:
            if t is type(None):
                ok = ok or value is None
            elif t is bool:
                ok = ok or isinstance(value, bool)
            elif t is int:
                ok = ok or (isinstance(value, int) and not isinstance(value, bool))
            elif t is float:
                ok = ok or (isinstance(value, (int, float)) and not isinstance(value, bool))
            elif t is dict:
                ok = ok or isinstance(value, dict)
            else:
                ok = ok or isinstance(value, t)
        if not ok:
            names = " or ".join("None" if t is type(None) else t.__name__ for t in allowed)
            raise SpecError(f"{where}[{f.name!r}] must be {names}, got {value!r}.")


def _positive(where: str, **values: int | None) -> None:
    for key, v in values.items():
        if v is not None and v <= 0:
            raise SpecError(f"{where}[{key!r}] must be a positive integer, got {v}.")


def _alpha(where: str, alpha: float | None) -> None:
    if alpha is not None and not 0.0 <= alpha <= 1.0:
        raise SpecError(f"{where}['alpha'] is the fraction of hidden true pairs (Ginger et al. "
                        f"2019, Sec. 3.2) and must lie in [0, 1], got {alpha}.")


@dataclass(frozen=True)
class SceneData:
    """SynthScenes, rendered on the fly: ``n_train`` training scenes and ``n_test`` test
    scenes of ``size`` px for ``task`` (:data:`i2ilib.data.synthscenes.TASKS`); ``alpha``
    hides ``round(alpha * n_train)`` true pairs in an unpaired set (CycleGAN only)."""

    source: str
    task: str
    size: int
    n_train: int
    n_test: int
    seed: int = 0
    flip: bool = True
    view: str = "street"
    alpha: float | None = None

    def check(self, where: str) -> None:
        from i2ilib.data.synthscenes import TASKS

        if self.task not in TASKS:
            raise SpecError(f"{where}['task'] {self.task!r} is not a SynthScenes task; choose "
                            f"one of {', '.join(sorted(TASKS))}.")
        _positive(where, size=self.size, n_train=self.n_train, n_test=self.n_test)
        _alpha(where, self.alpha)


@dataclass(frozen=True)
class RegistryData:
    """A real dataset of the registry (paper scale): ``dataset`` read from ``$I2I_DATA`` with
    the reference jitter (resize to ``load_size``, random ``size`` crop, flip); ``n_train``
    keeps only the first files; ``test_split`` overrides the split the test images come from."""

    source: str
    dataset: str
    size: int
    n_test: int
    direction: str = "AtoB"
    task: str | None = None
    load_size: int | None = None
    n_train: int | None = None
    seed: int = 0
    flip: bool = True
    alpha: float | None = None
    test_split: str | None = None

    def check(self, where: str) -> None:
        from i2ilib.data.registry import DATASETS

        if self.dataset not in DATASETS:
            raise SpecError(f"{where}['dataset'] {self.dataset!r} is not in the registry; "
                            f"choose one of {', '.join(sorted(DATASETS))}.")
        if self.direction not in ("AtoB", "BtoA"):
            raise SpecError(f"{where}['direction'] must be 'AtoB' or 'BtoA', got "
                            f"{self.direction!r}.")
        _positive(where, size=self.size, n_test=self.n_test, load_size=self.load_size,
                  n_train=self.n_train)
        _alpha(where, self.alpha)
        if self.alpha is not None and self.n_train is None:
            raise SpecError(f"{where}: 'alpha' needs 'n_train', the size of the α-paired set.")


@dataclass(frozen=True)
class PseudoPairData:
    """SynthFaces with pseudo-pairs (Ginger et al. 2019, Sec. 4.2; built by
    :func:`i2ilib.data.pseudopairs.build_config`): ``n_base`` real faces per domain,
    ``n_aug`` augmentation samples made as ``setting`` says, ``n_test`` held-out faces;
    ``glasses_scale`` (a pilot's): the real glasses' frames that many times as thick."""

    source: str
    task: str
    setting: str
    size: int
    n_base: int
    n_aug: int
    n_test: int
    seed: int = 0
    flip: bool = True
    glasses_scale: float | None = None

    def check(self, where: str) -> None:
        from i2ilib.data.pseudopairs import CONFIG_NAMES, TASKS

        if self.task not in TASKS:
            raise SpecError(f"{where}['task'] {self.task!r} is not a pseudo-pair task; choose "
                            f"one of {', '.join(sorted(TASKS))}.")
        if self.setting not in CONFIG_NAMES:
            raise SpecError(f"{where}['setting'] {self.setting!r} is not a dataset "
                            f"configuration of Sec. 4.2; choose one of {', '.join(CONFIG_NAMES)}.")
        _positive(where, size=self.size, n_base=self.n_base, n_test=self.n_test)
        if self.n_aug < 0:
            raise SpecError(f"{where}['n_aug'] must be >= 0, got {self.n_aug}.")
        if self.glasses_scale is not None and not self.glasses_scale > 0:
            raise SpecError(f"{where}['glasses_scale'] must be positive (1: the book's "
                            f"rendering), got {self.glasses_scale}.")


@dataclass(frozen=True)
class DigitsData:
    """Digits for one-shot translation (:func:`i2ibook.runner.digits_data`): ``n_A`` training
    samples of domain A (handwritten, drawn by ``seed`` from the handwritten digits that are not
    test digits; 0 for OST's Phase I, which sees B only), ``n_B`` printed digits of domain B
    (those of ``seed``), ``n_test`` held-out handwritten test digits (the same for every seed),
    all at ``size`` px. ``augment``: the augmentations ``P(x)``, ``P(Lambda)``, a name of
    :data:`i2ibook.runner.DIGIT_AUGMENTATIONS`."""

    source: str
    size: int
    n_A: int
    n_B: int
    n_test: int
    seed: int = 0
    augment: str = "shift_rotate"

    def check(self, where: str) -> None:
        from i2ibook.runner import DIGIT_AUGMENTATIONS, N_A_POOL, N_HANDWRITTEN_TEST

        _positive(where, size=self.size, n_B=self.n_B, n_test=self.n_test)
        if not 0 <= self.n_A <= N_A_POOL:
            raise SpecError(f"{where}['n_A'] must lie in [0, {N_A_POOL}] (the handwritten digits "
                            f"that are not test digits), got {self.n_A}.")
        if self.n_test > N_HANDWRITTEN_TEST:
            raise SpecError(f"{where}['n_test'] must be at most {N_HANDWRITTEN_TEST} (the "
                            f"held-out handwritten digits), got {self.n_test}.")
        if self.augment not in DIGIT_AUGMENTATIONS:
            raise SpecError(f"{where}['augment'] must be one of "
                            f"{', '.join(DIGIT_AUGMENTATIONS)}, got {self.augment!r}.")
        if self.seed < 0:
            raise SpecError(f"{where}['seed'] must be >= 0, got {self.seed}.")


@dataclass(frozen=True)
class ContentData:
    """Faces for content transfer (:func:`i2ibook.runner.content_data`): domain A without
    ``attribute``, domain B with it. ``dataset`` ``"synthfaces"``: ``n_identities`` people with
    ``images_per_identity`` renderings each (:func:`i2ilib.data.contenttransfer.
    content_transfer_data`), ``n_test`` held-out faces per task with their truth;
    ``"celeba"`` (paper scale): CelebA's train split through the dataset registry (``n_train``
    images per domain, 0 = all), its test split for ``n_test`` faces per task, no truth."""

    source: str
    attribute: str
    size: int
    n_test: int
    dataset: str = "synthfaces"
    n_identities: int = 0
    images_per_identity: int = 0
    n_train: int = 0
    seed: int = 0
    flip: bool = True

    DATASETS: ClassVar[tuple[str, ...]] = ("synthfaces", "celeba")

    def check(self, where: str) -> None:
        from i2ilib.data.contenttransfer import CONTENT_ATTRIBUTES

        if self.attribute not in CONTENT_ATTRIBUTES:
            raise SpecError(f"{where}['attribute'] must be one of "
                            f"{', '.join(CONTENT_ATTRIBUTES)}, got {self.attribute!r}.")
        if self.dataset not in self.DATASETS:
            raise SpecError(f"{where}['dataset'] must be one of {', '.join(self.DATASETS)}, got "
                            f"{self.dataset!r}.")
        _positive(where, size=self.size, n_test=self.n_test)
        if self.dataset == "synthfaces":
            _positive(where, n_identities=self.n_identities,
                      images_per_identity=self.images_per_identity)
        if self.n_train < 0 or self.seed < 0:
            raise SpecError(f"{where}['n_train'] and ['seed'] must be >= 0.")


@dataclass(frozen=True)
class ImageSetData:
    """One embedded image domain for an unconditional GAN (chapter 11, TransferGAN;
    :func:`i2ibook.runner.image_domain`): ``n_train`` training images of ``domain``
    (:data:`i2ibook.runner.IMAGE_DOMAINS`) drawn by ``seed``, and ``n_test`` held-out images of
    the same domain (the same for every seed), all at ``size`` px."""

    source: str
    domain: str
    size: int
    n_train: int
    n_test: int
    seed: int = 0

    def check(self, where: str) -> None:
        from i2ibook.runner import IMAGE_DOMAINS

        _positive(where, size=self.size, n_train=self.n_train, n_test=self.n_test)
        if self.domain not in IMAGE_DOMAINS:
            raise SpecError(f"{where}['domain'] must be one of {', '.join(IMAGE_DOMAINS)}, got "
                            f"{self.domain!r}.")
        if self.size not in (16, 32, 64):
            raise SpecError(f"{where}['size'] must be 16, 32 or 64 (the WGAN-GP ResNet's sizes), "
                            f"got {self.size}.")
        if self.seed < 0:
            raise SpecError(f"{where}['seed'] must be >= 0, got {self.seed}.")


#: The datasets a ``"zeropair"`` specification may name.
ZERO_PAIR_DATASETS: tuple[str, ...] = ("synthscenes", "sunrgbd")


@dataclass(frozen=True)
class ZeroPairData:
    """Zero-pair scenes (:func:`i2ibook.runner.zero_pair_data`): ``n_train`` scenes with (RGB,
    segmentation) and ``n_train`` others with (RGB, depth), ``n_test`` test scenes with all
    three, at ``size`` px; depth encoded by ``depth_encoding`` (one of
    :data:`i2ilib.data.zeropair.DEPTH_ENCODINGS`). ``dataset``: ``"synthscenes"`` (rendered) or
    ``"sunrgbd"`` (the registry's prepared SUN RGB-D, read from ``$I2I_DATA``)."""

    source: str
    size: int
    n_train: int
    n_test: int
    seed: int = 0
    depth_encoding: str = "log"
    dataset: str = "synthscenes"

    def check(self, where: str) -> None:
        from i2ilib.data.zeropair import DEPTH_ENCODINGS

        if self.dataset not in ZERO_PAIR_DATASETS:
            raise SpecError(f"{where}['dataset'] must be one of {', '.join(ZERO_PAIR_DATASETS)}, "
                            f"got {self.dataset!r}.")
        _positive(where, size=self.size, n_train=self.n_train, n_test=self.n_test)
        if self.depth_encoding not in DEPTH_ENCODINGS:
            raise SpecError(f"{where}['depth_encoding'] must be one of "
                            f"{', '.join(DEPTH_ENCODINGS)}, got {self.depth_encoding!r}.")
        if self.seed < 0:
            raise SpecError(f"{where}['seed'] must be >= 0, got {self.seed}.")


#: The data sources a configuration's ``data["source"]`` may name, and their schemas.
DATA_SPECS: dict[str, type] = {"synthscenes": SceneData, "registry": RegistryData,
                               "pseudopairs": PseudoPairData, "digits": DigitsData,
                               "content": ContentData}
DATA_SPECS["imageset"] = ImageSetData
DATA_SPECS["zeropair"] = ZeroPairData


@dataclass(frozen=True)
class BiasedFacesData:
    """Biased SynthFaces for UDIT (:func:`i2ilib.data.biasedfaces.biased_faces`, chapter 14):
    ``n_A`` faces without glasses (half blond), ``n_B`` with glasses of which a share ``bias``
    is blond, ``n_test`` held-out A faces with their true translation, at ``size`` px; the
    hair-colour classifiers (the semantic extractor's and the judge's) train on ``n_hair``
    balanced faces each for ``hair_steps`` steps."""

    source: str
    size: int
    n_A: int
    n_B: int
    n_test: int
    bias: float = 0.9
    seed: int = 0
    n_hair: int = 2000
    hair_steps: int = 400
    flip: bool = True

    def check(self, where: str) -> None:
        _positive(where, size=self.size, n_A=self.n_A, n_B=self.n_B, n_test=self.n_test,
                  n_hair=self.n_hair, hair_steps=self.hair_steps)
        if self.size % 8:
            raise SpecError(f"{where}['size'] must be a multiple of 8 (the hair classifier's "
                            f"three halvings), got {self.size}.")
        if not 0.0 <= self.bias <= 1.0:
            raise SpecError(f"{where}['bias'] is the share of blond faces in B and must lie in "
                            f"[0, 1], got {self.bias}.")


@dataclass(frozen=True)
class MultiDomainData:
    """Multi-domain SynthFaces (chapter 15; :func:`i2ilib.data.multidomain.hair_colour_faces`):
    ``n_train`` unpaired training faces, each in one of the hair-colour domains, and ``n_test``
    test faces rendered in every domain (the truth), at ``size`` px."""

    source: str
    size: int
    n_train: int
    n_test: int
    seed: int = 0

    def check(self, where: str) -> None:
        _positive(where, size=self.size, n_train=self.n_train, n_test=self.n_test)
        if self.size % 4 or self.size < 16:
            raise SpecError(f"{where}['size'] must be a multiple of 4 and >= 16, got {self.size}.")
        if self.seed < 0:
            raise SpecError(f"{where}['seed'] must be >= 0, got {self.seed}.")


DATA_SPECS["biasedfaces"] = BiasedFacesData
DATA_SPECS["multidomain"] = MultiDomainData


@dataclass(frozen=True)
class AudioData:
    """Synthetic music for audio separation as translation of spectrograms (chapter 10;
    :func:`i2ilib.data.audio_mixtures.audio_separation_data`): ``n_train`` unmatched
    instrumental clips (domain A), ``n_train`` mixtures of instrumental music and a voice
    (domain B) and ``n_test`` held-out mixtures with their true voice and background, all as
    64 x 64 log-magnitude spectrograms (:mod:`i2ilib.data.spectrogram`)."""

    source: str
    n_train: int
    n_test: int
    seed: int = 0

    def check(self, where: str) -> None:
        _positive(where, n_train=self.n_train, n_test=self.n_test)
        if self.seed < 0:
            raise SpecError(f"{where}['seed'] must be >= 0, got {self.seed}.")


DATA_SPECS["audio"] = AudioData


def parse_data(data: dict[str, Any], where: str = "data") -> SceneData | RegistryData | \
        PseudoPairData | DigitsData | ContentData:
    """The typed form of a data specification (``config["data"]``).

    Raises:
        SpecError: an unknown source, an unknown or missing key, or a bad value; the message
            names the valid choices.
    """
    if not isinstance(data, dict):
        raise SpecError(f"{where} must be a dict, got {type(data).__name__}.")
    source = data.get("source")
    if source not in DATA_SPECS:
        raise SpecError(f"{where}['source'] must be one of {', '.join(DATA_SPECS)}, got "
                        f"{source!r}.")
    cls = DATA_SPECS[source]
    _check_keys(cls, data, where)
    spec = cls(**data)
    _check_types(spec, where)
    spec.check(where)
    return spec


@dataclass(frozen=True)
class Experiment:
    """A whole configuration: the method, its data, every trainer option, how many test
    translations to show, and the optional extra scores (``set_metrics``: the feature network
    of the set metrics; ``fcn_scores``: FCN-scores for SynthScenes label tasks).

    ``warm_start`` (optional, absent from every configuration that does not use it, so their
    hashes stay as they were): ``{"steps": n}`` or ``{"steps": n, "lr": x}``, the generators
    pretrained as auto-encoders for ``n`` steps before training
    (:func:`i2ilib.train.warmstart.autoencoder_warm_start`).

    ``phase1`` (OST's Phase II only, absent elsewhere): ``{"name": run name, "config": the
    Phase I run's configuration}``, the stored B auto-encoder that Phase II starts from
    (trained and stored first if it is missing)."""

    scale: str
    method: str
    data: dict
    trainer: dict
    n_show: int = 6
    set_metrics: str | None = None
    fcn_scores: bool = False
    warm_start: dict | None = None
    phase1: dict | None = None
    pretrained: dict | None = None
    fd_every: int | None = None

    METHODS: ClassVar[tuple[str, ...]] = ("pix2pix", "cyclegan", "ost", "content", "wgan",
                                          "mmnets", "mmnets-oracle", "sdit")

    def check(self, where: str) -> None:
        from i2ibook.scale import SCALES

        if self.scale not in SCALES:
            raise SpecError(f"{where}['scale'] must be one of {', '.join(SCALES)}, got "
                            f"{self.scale!r}.")
        if self.method not in self.METHODS:
            raise SpecError(f"{where}['method'] must be one of {', '.join(self.METHODS)}, got "
                            f"{self.method!r}.")
        if self.n_show < 0:
            raise SpecError(f"{where}['n_show'] must be >= 0, got {self.n_show}.")
        if self.warm_start is not None:
            unknown = sorted(set(self.warm_start) - {"steps", "lr"})
            steps = self.warm_start.get("steps")
            lr = self.warm_start.get("lr", 1.0)
            bad_lr = isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0
            if (unknown or bad_lr or not isinstance(steps, int) or isinstance(steps, bool)
                    or steps < 0):
                raise SpecError(f"{where}['warm_start'] must be {{'steps': n >= 0}} with an "
                                f"optional 'lr' > 0, got {self.warm_start!r}.")
        if self.phase1 is not None and (self.method != "ost"
                                        or set(self.phase1) != {"name", "config"}):
            raise SpecError(f"{where}['phase1'] belongs to OST's Phase II and must be "
                            "{'name': ..., 'config': ...}, the Phase I run it starts from.")
        if self.pretrained is not None and (self.method != "wgan"
                                            or set(self.pretrained) != {"name", "config"}):
            raise SpecError(f"{where}['pretrained'] belongs to a WGAN run (TransferGAN) and must "
                            "be {'name': ..., 'config': ...}, the source run it starts from.")
        if self.fd_every is not None and (self.method != "wgan" or self.fd_every < 1):
            raise SpecError(f"{where}['fd_every'] (a WGAN run's FD over training) must be a "
                            f"positive number of steps, got {self.fd_every!r}.")


#: Chapter 14: UDIT (and MUNIT, its lambda_U = 0) trains on the biased faces.
Experiment.METHODS = (*Experiment.METHODS, "udit")
#: Chapter 13: the StarGAN baselines of Tables 4.4-4.5; the method's name says whether the
#: trainer's ``paired`` is on.
ZERO_PAIR_STARGAN_METHODS = {"zp-stargan-unpaired": False, "zp-stargan-paired": True}
#: Chapter 13: the methods that train on zero-pair scenes, M&MNets, its oracle and the baselines
#: of Tables 4.4-4.5 (2x pix2pix through RGB, CycleGAN between depth and segmentation, StarGAN).
ZERO_PAIR_METHODS = ("mmnets", "mmnets-oracle", "zp-2xpix2pix", "zp-cyclegan",
                     *ZERO_PAIR_STARGAN_METHODS)
Experiment.METHODS = (*Experiment.METHODS, "zp-2xpix2pix", "zp-cyclegan",
                      *ZERO_PAIR_STARGAN_METHODS)


def parse_experiment(config: dict[str, Any]) -> tuple[Experiment, Any, Any]:
    """Check a whole configuration: ``(experiment, data_spec, trainer_config)``.

    The trainer options go through the trainer's own ``from_dict`` (unknown options are
    refused there too); the rules that depend on the method are checked here: ``alpha``
    (hidden true pairs) is for unpaired training only.

    Raises:
        SpecError: anything :func:`parse_data` refuses, an unknown top-level key, an unknown
            method or scale, or a trainer option the trainer does not have.
    """
    from i2ibook.runner import METHODS

    if not isinstance(config, dict):
        raise SpecError(f"A configuration must be a dict, got {type(config).__name__}.")
    _check_keys(Experiment, config, "config")
    exp = Experiment(**config)
    _check_types(exp, "config")
    exp.check("config")
    data = parse_data(exp.data, "config['data']")
    if getattr(data, "alpha", None) is not None and exp.method != "cyclegan":
        raise SpecError("config['data']['alpha'] (implicit pairs) is for unpaired training: "
                        "use method 'cyclegan', or drop 'alpha' for pix2pix.")
    try:
        trainer = METHODS[exp.method][0].from_dict(exp.trainer)
    except (TypeError, ValueError) as err:
        raise SpecError(f"config['trainer']: {err}") from None
    if exp.method == "ost":
        if not isinstance(data, DigitsData):
            raise SpecError("method 'ost' trains on the digits (data source 'digits') here.")
        if (trainer.phase == 2) != (exp.phase1 is not None):
            raise SpecError("An OST Phase II configuration names its Phase I run "
                            "(config['phase1']); a Phase I one does not.")
        if (trainer.phase == 1) != (data.n_A == 0):
            raise SpecError("OST's Phase I sees B only (data n_A = 0); Phase II needs n_A >= 1.")
        if exp.phase1 is not None:
            first, first_data, first_trainer = parse_experiment(exp.phase1["config"])
            if first_trainer.phase != 1 or first.method != "ost":
                raise SpecError("config['phase1'] must be an OST Phase I configuration.")
            same = {k: v for k, v in dataclasses.asdict(data).items() if k != "n_A"}
            if {k: v for k, v in dataclasses.asdict(first_data).items() if k != "n_A"} != same:
                raise SpecError("Phase I and Phase II must use the same B digits (their data "
                                "may differ in n_A only).")
    elif (exp.method == "content") != isinstance(data, (ContentData, AudioData)):
        raise SpecError("method 'content' (content transfer) trains on data source 'content' "
                        "(or 'audio', spectrograms), and those sources are for it only.")
    elif (exp.method in ZERO_PAIR_METHODS) != isinstance(data, ZeroPairData):
        raise SpecError("Mix and match networks (methods 'mmnets', 'mmnets-oracle') and their "
                        "baselines ('zp-2xpix2pix', 'zp-cyclegan', 'zp-stargan-unpaired', "
                        "'zp-stargan-paired') train on zero-pair scenes (data source "
                        "'zeropair'), and only they do.")
    elif isinstance(data, DigitsData) and data.n_A == 0:
        raise SpecError(f"method {exp.method!r} needs A samples (data n_A >= 1).")
    if (exp.method == "sdit") != isinstance(data, MultiDomainData):
        raise SpecError("SDIT (method 'sdit') trains on multi-domain faces (data source "
                        "'multidomain'), and only it does.")
    if (exp.method == "wgan") != isinstance(data, ImageSetData):
        raise SpecError("method 'wgan' trains on one image domain (data source 'imageset'), and "
                        "that source is for method 'wgan' only.")
    if exp.method == "wgan" and (trainer.pretrained_G or trainer.pretrained_D) != (
            exp.pretrained is not None):
        raise SpecError("A WGAN run with pretrained_G or pretrained_D names its source run "
                        "(config['pretrained']); one from scratch does not.")
    if exp.method in ZERO_PAIR_STARGAN_METHODS and (
            trainer.paired != ZERO_PAIR_STARGAN_METHODS[exp.method]):
        raise SpecError(f"method {exp.method!r} needs config['trainer']['paired'] = "
                        f"{ZERO_PAIR_STARGAN_METHODS[exp.method]}.")
    if (exp.method == "udit") != isinstance(data, BiasedFacesData):
        raise SpecError("UDIT (method 'udit') trains on the biased faces (data source "
                        "'biasedfaces'), and only it does.")
    return exp, data, trainer
