"""The short crash soak (5 rounds): a mixed write load over every service
that stores data, SIGKILL at random moments, restart on the same data, every
acknowledged write checked byte for byte and nothing partial visible.
The long one (100 rounds) is `python3 bench/soak.py crash`."""
import os

import pytest

from harness import Soak, SoakFailure, load_plugins


def test_crash_soak_five_rounds(data_dir):
    seed = int(os.environ["NUAGE_SOAK_SEED"]) if "NUAGE_SOAK_SEED" in os.environ else None
    soak = Soak(data_dir, workers=4, seed=seed, kill_after=(0.4, 1.5))
    print(f"seed {soak.seed} (NUAGE_SOAK_SEED={soak.seed} replays the choices)")
    stats = soak.run(rounds=5, full_every_round=True)
    assert stats["rounds"] == 5
    assert stats["acknowledged"] > 0 and stats["checked"] > 0


def _wipe_database(data_dir):
    for name in os.listdir(data_dir):
        if name.startswith("nuage.db"):
            os.remove(os.path.join(data_dir, name))


def _truncate_the_blobs(data_dir):
    store = os.path.join(data_dir, "blobs")
    blobs = [os.path.join(root, f) for root, _, files in os.walk(store)
             if not os.path.relpath(root, store).startswith("tmp") for f in files
             if os.path.getsize(os.path.join(root, f)) > 1]
    # Every blob: one the restart discards (its write was in flight) would go unnoticed.
    for blob in blobs:
        with open(blob, "r+b") as f:
            f.truncate(1)


@pytest.mark.parametrize("damage", [_wipe_database, _truncate_the_blobs])
def test_the_soak_sees_lost_and_partial_writes(data_dir, damage):
    """The checks can fail: damage done to the data folder behind nuage's back is reported."""
    soak = Soak(data_dir, plugins=load_plugins(["s3", "ssm", "iam"]), workers=2, kill_after=(1.0, 1.5),
                after_kill=damage, log=lambda *_: None)
    with pytest.raises(SoakFailure):
        soak.run(rounds=1)
