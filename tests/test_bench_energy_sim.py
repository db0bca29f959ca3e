"""bench/bench_energy_sim.py at test size: its seeded community is the mix it describes,
and ours and the per-hour pandas reference give every member the same figures at every
scale and key — which the bench's check verifies, and refuses otherwise."""

import numpy as np
import pytest

from bench import bench_energy_sim as bench
from energy.simulation import KINDS


def test_the_seeded_community_is_the_same_for_the_same_seed_and_mixes_every_kind():
    site, members, building = bench.community(2000, seed=5)
    again = bench.community(2000, seed=5)[1]
    other = bench.community(2000, seed=6)[1]
    assert np.array_equal(members.yearly_kwh, again.yearly_kwh)
    assert not np.array_equal(members.yearly_kwh, other.yearly_kwh)
    assert set(members.kind.tolist()) == set(range(len(KINDS)))
    assert 0.40 < (members.kwp > 0).mean() < 0.50
    assert ((members.battery_kwh > 0) <= (members.kwp > 0)).all()  # batteries with PV
    sizes = np.bincount(building)
    assert sizes[:-1].min() >= 2 and sizes.max() <= 6  # the last building may be cut
    assert site.latitude == pytest.approx(50.10)


def test_the_city_scale_pays_a_sharing_fee_and_the_others_do_not():
    building = np.array([0, 0, 1, 1, 1])
    scales = bench.scales(building)
    assert scales["building"][0].tolist() == building.tolist()
    assert scales["district"][0].tolist() == scales["city"][0].tolist() == [0] * 5
    assert scales["city"][1].sharing_fee == bench.SHARING_FEE > 0
    assert scales["district"][1].sharing_fee == scales["building"][1].sharing_fee == 0


def test_ours_and_the_reference_agree_and_the_check_refuses_a_difference(tmp_path):
    (tmp_path / "ours").mkdir()
    (tmp_path / "reference").mkdir()
    folders = str(tmp_path / "ours"), str(tmp_path / "reference")
    ours = bench.run_side("ours", 40, 3, 9, 1, folders[0])
    reference = bench.run_side("reference", 40, 3, 9, 1, folders[1])
    assert set(ours["seconds"]) == set(reference["seconds"]) == {
        f"{scale}/{key}" for scale in bench.SCALES for key in bench.KEYS}
    assert ours["peak_mb"] >= ours["simulating_peak_mb"] > 0 and ours["before_mb"] > 0
    line = bench.check(*folders)
    assert "the 9 runs equal the reference's" in line
    shared = sum(bench.load(folders[0], "district", key)["shared_out"].sum()
                 for key in bench.KEYS)
    assert shared > 0  # the three January days share something
    # Rounding of the flows passes (a figure near 0 is compared to the member's flows,
    # not to itself); a hundredth of a kWh does not.
    saved = bench.load(folders[1], "city", "equal")
    flows = saved["generation"][3] + saved["demand"][3]
    saved["grid_export"][3] += 1e-11 * flows
    np.savez(tmp_path / "reference" / "city-equal.npz", **saved)
    assert "the 9 runs equal the reference's" in bench.check(*folders)
    saved["grid_import"][3] += 0.01
    np.savez(tmp_path / "reference" / "city-equal.npz", **saved)
    with pytest.raises(SystemExit):
        bench.check(*folders)


def test_the_bench_runs_each_side_in_a_process_and_ends_with_its_summary_line(capsys):
    bench.main(["--members", "30", "--days", "2", "--runs", "1", "--reference-members",
                "20", "--reference-days", "1"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("energy_sim: 30 members, 48 hours")
    assert any(line.startswith("check: every member's figures") for line in lines)
    assert lines[-1].startswith("energy_sim: ours ")
    assert ", reference " in lines[-1] and ", ratio " in lines[-1]
    assert "(9 runs at 20 members × 24 hours, where the reference ran)" in lines[-1]
