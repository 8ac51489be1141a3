#!/usr/bin/env python3
"""Reference cases for fiber@1.4.0's instrument: what aind-metadata-mapper 1.4.0's `create_instrument` returns for a
rig, written as `write_standard_file` writes it (`model_dump_json(indent=3)`), with `modification_date` set to the
session's date (RigMapper never writes the day of mapping).

Run in a venv with aind-metadata-mapper==1.4.0 (Scripts/fiber-differential makes one):
    .build-venv-mapper-1.4.0/bin/python Scripts/make-fiber-instrument-cases.py Tests/Mappers/FiberMapperTests/Fixtures
Writes instrument/case_N/{fip.json, job.yaml, expected.json}.
"""
import copy
import datetime as dt
import json
import os
import sys

import yaml
from aind_metadata_mapper.fip.make_instrument import create_instrument

fixtures = sys.argv[1]
base = json.load(open(os.path.join(fixtures, "mapper-1.4.0", "case_000", "fip.json")))
cases = [
    # rig_name, computer_name, camera serials (green, red), settings.instrument
    ("FIP_1", "DT542815", ("18442154", "72775754"), {"location": "428", "objective_serial": "O-1001"}),
    ("428_FIP1_20250101", "W10DT714099", ("22001001", "22001002"), {"objective_serial": "3355"}),
    ("FIP_2", "DT100", ("18440000", "9001"), {"location": "Room 2", "objective_serial": "N10X-1", "detector_serials": {"green": "G-override"}}),
    ("FIP_3", "DT-ω", ("1", "2"), {"location": "", "objective_serial": "x", "detector_serials": {"green": "10", "red": "20"}}),
]
for n, (rig_name, computer, (green, red), instrument) in enumerate(cases):
    fip = copy.deepcopy(base)
    fip["rig"]["rig_name"] = rig_name
    fip["rig"]["computer_name"] = computer
    fip["rig"]["camera_green_iso"]["serial_number"] = green
    fip["rig"]["camera_red"]["serial_number"] = red
    serials = instrument.get("detector_serials", {})
    model = create_instrument(
        rig_name, location=instrument.get("location", ""), computer_name=computer,
        detector_1_serial=serials.get("green", green or ""), detector_2_serial=serials.get("red", red or ""),
        objective_serial=instrument["objective_serial"], input_func=lambda prompt: "")
    session_date = dt.datetime.fromisoformat(fip["session"]["date"]).date()
    model.modification_date = session_date
    folder = os.path.join(fixtures, "instrument", "case_%03d" % n)
    os.makedirs(folder, exist_ok=True)
    json.dump(fip, open(os.path.join(folder, "fip.json"), "w"), indent=3, ensure_ascii=False)
    job = {"mappers": {"fiber": {"version": "1.4.0", "settings": {"implanted_fibers": [0, 1], "acquisition_type": "AindVrForaging", "instrument": instrument}}}}
    open(os.path.join(folder, "job.yaml"), "w").write(yaml.safe_dump(job, sort_keys=False, allow_unicode=True))
    open(os.path.join(folder, "expected.json"), "w").write(model.model_dump_json(indent=3))
    print("wrote", folder)
