"""Local ImageNet weights: found by name, recorded with their checksum, required by the paper profile."""

import hashlib

import pytest
import torch

from omicslib import weights


def test_without_weights_the_record_says_random(monkeypatch, tmp_path):
    monkeypatch.setenv(weights.ENV, str(tmp_path))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    state, rec = weights.load_state_dict("resnet50")
    assert state is None and not rec.pretrained and "random initialisation" in rec.note
    assert "ImageNet weights from" not in rec.note


def test_a_local_checkpoint_is_loaded_and_its_sha256_recorded(monkeypatch, tmp_path):
    path = tmp_path / "resnet50-deadbeef.pth"
    torch.save({"w": torch.ones(2)}, path)
    monkeypatch.setenv(weights.ENV, str(tmp_path))
    state, rec = weights.load_state_dict("resnet50")
    assert torch.equal(state["w"], torch.ones(2)) and rec.pretrained
    assert rec.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and rec.to_dict()["file"] == str(path)


def test_paper_profile_refuses_random_weights_unless_allowed(monkeypatch, tmp_path):
    monkeypatch.setenv(weights.ENV, str(tmp_path))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    with pytest.raises(weights.MissingWeightsError, match="OMICSLIB_WEIGHTS.*allow_random_weights"):
        weights.require("densenet121", "paper")
    weights.require("densenet121", "paper", allow_random=True)
    weights.require("densenet121", "quick")
