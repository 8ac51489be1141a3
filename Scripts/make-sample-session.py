"""Builds the committed sample session Examples/fip-session/ (run once; the outputs are committed).

A VR-foraging session recorded by two rigs: a Harp behavior rig (instrument_behavior.json, acquisition_behavior.json)
and the fiber photometry rig (instrument_fip.json, and fip.json for the fiber mapper). Both instruments carry the same
Harp clock generator, defined identically. Every document is built with aind-data-schema 2.9.2 so it validates.

Also writes the reference pipeline's result for the session, to check `rigmap gather` against:
FIPMapper 1.4.0 on fip.json (settings from job.yaml), then `+` over the sorted acquisition_*.json and
instrument_*.json files, written with model_dump_json(indent=3).

Usage: python make-sample-session.py OUT_SESSION_DIR [EXPECTED_DIR]   (needs aind-data-schema==2.9.2)
"""
import copy
import json
import os
import sys

from aind_data_schema.core.acquisition import Acquisition
from aind_data_schema.core.instrument import Instrument

out = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
examples = os.path.join(here, "..", "Tests", "MetadataModelTests", "Fixtures", "examples")
source = json.load(open(os.path.join(examples, "fip_behavior_instrument.json")))
by_name = {c["name"]: c for c in source["components"]}

clock = copy.deepcopy(by_name["Harp Behavior"])
clock.update({"name": "Harp ClockGenerator", "is_clock_generator": True, "channels": [], "notes": "Shared 1 kHz clock"})

behavior_instrument = {
    "object_type": "Instrument",
    "location": "447",
    "instrument_id": "447-BEH-1",
    "modification_date": "2025-07-01",
    "modalities": [{"name": "Behavior", "abbreviation": "behavior"}],
    "global_coordinate_system": copy.deepcopy(source["global_coordinate_system"]),
    "components": [
        copy.deepcopy(by_name["Harp Behavior"]),
        copy.deepcopy(by_name["Lick spout assembly"]),
        copy.deepcopy(by_name["behavior_computer"]),
        clock,
    ],
}

fip_components = []
for name in ["470nm LED", "415nm LED", "565nm LED", "Green CMOS", "Red CMOS", "Objective", "W10DTJK7N0M3"]:
    component = copy.deepcopy(by_name[name])
    if name == "565nm LED":
        component["name"] = "560nm LED"  # the name the fiber mapper uses for the lime LED
    fip_components.append(component)
for i in range(2):
    cord = copy.deepcopy(by_name["Bundle Branching Fiber-optic Patch Cord"])
    cord["name"] = f"Patch Cord {i}"
    fip_components.append(cord)
controller = copy.deepcopy(by_name["Harp Behavior"])
controller.update({"name": "cuTTLefishFip", "channels": []})
fip_components += [controller, copy.deepcopy(clock)]
fip_instrument = {
    "object_type": "Instrument",
    "location": "447",
    "instrument_id": "FIP_1",
    "modification_date": "2025-07-10",
    "modalities": [{"name": "Fiber photometry", "abbreviation": "fib"}],
    "global_coordinate_system": copy.deepcopy(source["global_coordinate_system"]),
    "calibrations": [c for c in source.get("calibrations", []) if c["device_name"] in ("470nm LED", "415nm LED")],
    "components": fip_components,
}

behavior_acquisition = {
    "object_type": "Acquisition",
    "subject_id": "795158",
    "acquisition_start_time": "2025-07-18T12:32:30-07:00",
    "acquisition_end_time": "2025-07-18T13:02:41.5-07:00",
    "experimenters": ["Kim", "Bar"],
    "ethics_review_id": ["2115"],
    "instrument_id": "447-BEH-1",
    "acquisition_type": "AindVrForaging",
    "data_streams": [
        {
            "object_type": "Data stream",
            "stream_start_time": "2025-07-18T12:32:30-07:00",
            "stream_end_time": "2025-07-18T13:02:41.5-07:00",
            "modalities": [{"name": "Behavior", "abbreviation": "behavior"}],
            "active_devices": ["Harp Behavior", "Lick spout assembly", "Harp ClockGenerator"],
            "configurations": [],
        }
    ],
}

os.makedirs(out, exist_ok=True)
for name, model, data in [
    ("instrument_behavior.json", Instrument, behavior_instrument),
    ("instrument_fip.json", Instrument, fip_instrument),
    ("acquisition_behavior.json", Acquisition, behavior_acquisition),
]:
    with open(os.path.join(out, name), "w") as f:
        f.write(model.model_validate(data).model_dump_json(indent=3))

if len(sys.argv) > 2:
    import yaml
    from aind_metadata_mapper.fip.mapper import FIPMapper

    expected = sys.argv[2]
    os.makedirs(expected, exist_ok=True)
    job = yaml.safe_load(open(os.path.join(out, "job.yaml")))
    settings = job["mappers"]["fiber"].get("settings", {})
    fiber = FIPMapper().transform(json.load(open(os.path.join(out, "fip.json"))), skip_validation=True, **settings)
    documents = {"acquisition_fiber.json": fiber.model_dump_json(indent=3)}
    for name in os.listdir(out):
        if name.endswith(".json") and (name.startswith("acquisition") or name.startswith("instrument")):
            documents[name] = open(os.path.join(out, name)).read()
    for prefix, model in (("acquisition", Acquisition), ("instrument", Instrument)):
        names = sorted(n for n in documents if n.startswith(prefix))
        merged = model.model_validate_json(documents[names[0]])
        for n in names[1:]:
            merged = merged + model.model_validate_json(documents[n])
        with open(os.path.join(expected, prefix + ".json"), "w") as f:
            f.write(merged.model_dump_json(indent=3))
    with open(os.path.join(expected, "acquisition_fiber.json"), "w") as f:
        f.write(documents["acquisition_fiber.json"])
