"""The Python side of Scripts/bench-batch: what a lab's loop over sessions looks like with the reference tools, in
one process (imports paid once) — for each session folder: aind-metadata-mapper 1.4.0's FIPMapper on fip.json with
the job's settings, then aind-data-schema's `+` over the session's acquisition_*.json and instrument_*.json (the
mapped acquisition included), validated as the models validate, and written with model_dump_json(indent=3).
A failing session is counted and the loop goes on.

Usage: python bench-batch.py SESSIONS_ROOT OUT_ROOT
"""
import glob
import json
import logging
import os
import sys
import time
import warnings

warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
start = time.time()
from aind_data_schema.core.acquisition import Acquisition
from aind_data_schema.core.instrument import Instrument
from aind_metadata_mapper.fip.mapper import FIPMapper

root, out = sys.argv[1], sys.argv[2]
settings = {"implanted_fibers": [0, 1], "acquisition_type": "AindVrForaging", "ethics_review_id": ["2115"],
            "intended_measurements": {"Fiber_0": {"R": "dopamine", "G": "calcium", "B": None, "Iso": "control"},
                                      "Fiber_1": {"R": "acetylcholine", "G": "calcium", "B": None, "Iso": "control"}}}
ok = failed = 0
for session in sorted(os.listdir(root)):
    folder = os.path.join(root, session)
    try:
        acquisition = FIPMapper().transform(json.load(open(os.path.join(folder, "fip.json"))), **settings)
        acquisitions = [Acquisition.model_validate_json(open(p).read()) for p in sorted(glob.glob(os.path.join(folder, "acquisition_*.json")))]
        instruments = [Instrument.model_validate_json(open(p).read()) for p in sorted(glob.glob(os.path.join(folder, "instrument_*.json")))]
        merged = acquisitions[0] if acquisitions else acquisition
        for other in acquisitions[1:] + [acquisition]:
            merged = merged + other
        os.makedirs(os.path.join(out, session), exist_ok=True)
        open(os.path.join(out, session, "acquisition.json"), "w").write(merged.model_dump_json(indent=3))
        if instruments:
            instrument = instruments[0]
            for other in instruments[1:]:
                instrument = instrument + other
            open(os.path.join(out, session, "instrument.json"), "w").write(instrument.model_dump_json(indent=3))
        ok += 1
    except Exception:
        failed += 1
print("python loop: %d ok, %d failed, %.1f s" % (ok, failed, time.time() - start))
