"""Differential check of the fiber adapter against aind-metadata-mapper's FIPMapper.

Generates seeded variants of Examples/fip-session/fip.json (missing ROI settings, null or integer LED powers, extra
light sources, missing versions or exposure times, random stream times across offsets, controller names, settings
variations), maps each with the reference FIPMapper (its input contract checked, settings passed as in job.yaml) and with
`rigmap map`, and compares the outputs byte for byte. Run by Scripts/fiber-differential (which makes the venv).

Usage: python fiber-differential.py RIGMAP_BINARY VERSION N
"""
import copy
import json
import os
import random
import subprocess
import sys
import tempfile

import yaml
from aind_metadata_mapper.fip.mapper import FIPMapper

rigmap, version, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
base = json.load(open(os.path.join(repo, "Examples/fip-session/fip.json")))
rng = random.Random(20261122)


def timestamp():
    return "2025-%02d-%02d%s%02d:%02d:%02d%s%s" % (
        rng.randint(1, 12), rng.randint(1, 28), rng.choice(["T", " "]), rng.randint(0, 23), rng.randint(0, 59),
        rng.randint(0, 59), rng.choice(["", ".5", ".000001", ".275046"]),
        rng.choice(["Z", "+00:00", "-07:00", "+05:30", "-03:30", "+14:00"]))


def variant():
    d = copy.deepcopy(base)
    rig = d["rig"]
    if rng.random() < 0.15:
        rig.pop("roi_settings", None)
    if rng.random() < 0.2:
        rig["light_source_uv"]["power"] = None
    if rng.random() < 0.2:
        rig["light_source_blue"].pop("power")
    if rng.random() < 0.2:
        rig["light_source_lime"]["power"] = rng.choice([20, 0, 100, 12.5, 1e-7, 3.14159])
    if rng.random() < 0.2:
        rig["light_source_yellowish"] = copy.deepcopy(rig["light_source_lime"])
    if rng.random() < 0.2:
        rig.pop("version", None)
    if rng.random() < 0.2:
        for key in ("light_source_uv", "light_source_blue", "light_source_lime"):
            rig[key]["task"].pop("delta_1", None)
    if rng.random() < 0.2:
        rig["light_source_uv"]["task"]["delta_1"] = rng.choice([1, 15650, 12345.5])
    if rng.random() < 0.15 and "roi_settings" in rig:
        rig["roi_settings"].pop("camera_red_roi", None)
    if rng.random() < 0.15:
        rig["cuttlefish_fip"]["name"] = rng.choice([None, "", "Ctl"])
    if rng.random() < 0.2:
        d["session"]["allow_dirty_repo"] = rng.choice([None, False, True])
    if rng.random() < 0.2:
        d["session"]["commit_hash"] = rng.choice([None, "", "abc123"])
    if rng.random() < 0.2:
        d["session"]["notes"] = rng.choice([None, 'a\tb\u00e9"q"', ""])
    if rng.random() < 0.4:
        d["data_stream_metadata"] = [
            {"id": "fip_%d" % i, "start_time": timestamp(), "end_time": timestamp()} for i in range(rng.randint(1, 4))
        ]
    settings = {"implanted_fibers": rng.choice([[0], [1, 0], [0, 1, 2, 3], [3], [2, 2]])}
    measurements = rng.choice([None, {"Fiber_0": {"R": "dopamine", "G": None, "B": None, "Iso": "control"}}, {"Fiber_3": {"G": "calcium"}}])
    if measurements is not None:
        settings["intended_measurements"] = measurements
    if version == "1.4.0":
        if rng.random() < 0.5:
            settings["acquisition_type"] = rng.choice(["", "X"])
        if rng.random() < 0.3:
            settings["ethics_review_id"] = ["1", "2"]
    return d, settings


same = both_refused = different = 0
with tempfile.TemporaryDirectory() as work:
    for n in range(count):
        document, settings = variant()
        case = os.path.join(work, "c%d" % n)
        os.makedirs(case)
        with open(os.path.join(case, "fip.json"), "w") as f:
            json.dump(document, f, indent=1)
        with open(os.path.join(case, "job.yaml"), "w") as f:
            yaml.safe_dump({"mappers": {"fiber": {"version": version, "settings": settings}}}, f)
        try:
            reference = FIPMapper().transform(copy.deepcopy(document), **settings).model_dump_json(indent=3)
            reason = ""
        except Exception as error:  # the reference refuses: pydantic validation or a ValueError
            reference, reason = None, str(error).splitlines()[0]
        result = subprocess.run(
            [rigmap, "map", "--mapper", "fiber@" + version, "--input", os.path.join(case, "fip.json"),
             "--job", os.path.join(case, "job.yaml"), "--output", os.path.join(case, "out")],
            capture_output=True, text=True)
        ours = None
        if result.returncode == 0:
            with open(os.path.join(case, "out", "acquisition_fiber.json")) as f:
                ours = f.read()
        if reference is None and ours is None:
            both_refused += 1
        elif reference == ours:
            same += 1
        else:
            different += 1
            print("DIFFERENT case %d: reference %s; rigmap %s" % (
                n, "refused (" + reason + ")" if reference is None else "mapped",
                "refused (" + result.stderr.strip().splitlines()[0] + ")" if ours is None else "mapped"))
print("fiber@%s differential: %d cases, %d identical, %d refused by both, %d different"
      % (version, count, same, both_refused, different))
sys.exit(1 if different else 0)
