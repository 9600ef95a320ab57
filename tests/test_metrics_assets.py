import json

import pytest
import torch

from i2ilib.metrics import train_digits, train_features, train_identity, train_segnet
from i2ilib.metrics.assets import frozen, load_state, read_record, save_state
from i2ilib.metrics.digitnet import DigitNet, digit_classifier
from i2ilib.metrics.identity import FaceIdentityNet, synthfaces_identity_embedder
from i2ilib.metrics.segnet import SceneSegNet, scene_segmenter
from i2ilib.metrics.synthnet import SynthFeatureNet, synth_feature_extractor

CASES = [
    (lambda: SynthFeatureNet(n_attributes=3, n_scene_classes=5, width=4), train_features,
     synth_feature_extractor),
    (lambda: FaceIdentityNet(dim=8, width=4), train_identity, synthfaces_identity_embedder),
    (lambda: SceneSegNet(n_classes=5, width=4, finest_stride=8), train_segnet, scene_segmenter),
    (lambda: DigitNet(width=4), train_digits, digit_classifier),
]


@pytest.mark.parametrize(("build", "script", "loader"), CASES)
def test_save_then_load_round_trips(tmp_path, build, script, loader):
    torch.manual_seed(0)
    net = build().eval()
    record = {"name": net.name, "validation": {"score": 0.5}}
    path = script.save(net, record, tmp_path)
    assert path == tmp_path / script.ASSET_WEIGHTS
    stored = torch.load(path, weights_only=True)
    assert all(v.dtype == torch.float16 for k, v in stored.items()
               if k != "_meta" and v.is_floating_point())
    text = (tmp_path / script.ASSET_RECORD).read_text()
    assert text == json.dumps(record, indent=1) + "\n"

    loaded = loader(str(path))
    assert type(loaded) is type(net) and not loaded.training
    assert not any(p.requires_grad for p in loaded.parameters())
    for k, v in net.state_dict().items():  # architecture rebuilt from "_meta", float16 values
        w = loaded.state_dict()[k]
        assert w.shape == v.shape and w.dtype == v.dtype
        if v.is_floating_point():
            torch.testing.assert_close(w, v.half().float())
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1)) * 2 - 1
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), net(x), atol=2e-2, rtol=2e-2)


def test_save_state_and_load_state(tmp_path):
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    path = save_state(net.state_dict(), {"width": 3.0}, {"a": 1}, tmp_path / "new", "w.pt", "w.json")
    state, meta = load_state("w.pt", path)
    assert meta == {"width": 3} and isinstance(meta["width"], int)
    assert state["0.weight"].dtype == torch.float32
    assert state["1.num_batches_tracked"].dtype == torch.int64
    assert json.loads((tmp_path / "new" / "w.json").read_text()) == {"a": 1}


def test_frozen():
    net = torch.nn.Linear(2, 2).train()
    assert frozen(net) is net and not net.training
    assert not any(p.requires_grad for p in net.parameters())


def test_missing_files_name_the_training_script(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m i2ilib.metrics.train_segnet"):
        load_state("none.pt", tmp_path / "none.pt", "i2ilib.metrics.train_segnet")
    with pytest.raises(FileNotFoundError, match="none.pt.*i2ilib.metrics.train_identity"):
        load_state("none.pt", None, "i2ilib.metrics.train_identity")
    with pytest.raises(FileNotFoundError, match="i2ilib.metrics.train_features"):
        read_record("none.json", "i2ilib.metrics.train_features")


def test_shipped_weights_carry_their_architecture():
    _, meta = load_state(train_identity.ASSET_WEIGHTS, None, "i2ilib.metrics.train_identity")
    assert set(meta) == {"dim", "width"}
    _, meta = load_state(train_segnet.ASSET_WEIGHTS, None, "i2ilib.metrics.train_segnet")
    assert set(meta) == {"n_classes", "width", "finest_stride"}
    _, meta = load_state(train_digits.ASSET_WEIGHTS, None, "i2ilib.metrics.train_digits")
    assert meta == {"width": 16}


def test_one_entry_point_retrains_every_shipped_network(capsys):
    from i2ilib.metrics import retrain

    assert retrain.main([]) == 2 and retrain.main(["nope"]) == 2
    assert "features,segnet,identity,attributes,digits,all" in capsys.readouterr().err
    for network in retrain.NETWORKS:
        args = retrain.parser(network).parse_args([])
        assert args.out_dir == str(retrain.ASSETS) and args.seed == 0 and args.epochs > 0
    with pytest.raises(ValueError, match="Unknown network 'segnett'"):
        retrain.parser("segnett")
