"""Makes the biodata-schema 3.0.0 test fixtures (Tests/ReleasesTests/Fixtures/biodata-3.0.0) from the aind-data-schema
2.9.2 examples (Tests/ValidationTests/Fixtures/examples), by a naive hand migration: the new schema_version, the
top-level coordinate_system renamed global_coordinate_system, describedBy the 3.0.0 model's, device-level coordinate_system moved to
local_coordinate_system (dropped when one is set), DAQ channels' channel_index renamed port, a Code entry without
version or commit_hash given version "0.0.0" (test data), an instrument without global coordinate system given
BREGMA_ARI (test data). Each result must validate with biodata-schema 3.0.0 and is written as its standard writer
writes it (model_dump_json(indent=3)); examples that still fail are listed and skipped, except those refused by one
model rule only (a transform's axis count), which go to biodata-3.0.0-refused as documents RigMapper must refuse too.

Usage: python make-biodata-fixtures.py   (with biodata-schema 3.0.0 installed: Scripts/requirements-biodata.txt)
"""
import glob
import json
import os
import sys
import warnings

warnings.simplefilter("ignore")
import logging

logging.disable(logging.CRITICAL)
from biodata_schema.core.acquisition import Acquisition
from biodata_schema.core.instrument import Instrument

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out_dir = os.path.join(repo, "Tests/ReleasesTests/Fixtures/biodata-3.0.0")
invalid_dir = os.path.join(repo, "Tests/ReleasesTests/Fixtures/biodata-3.0.0-refused")
models = {"Acquisition": (Acquisition, "3.0.0"), "Instrument": (Instrument, "3.0.2")}
BREGMA_ARI = {"object_type": "Coordinate system", "name": "BREGMA_ARI", "origin": "Bregma", "axis_unit": "millimeter",
              "axes": [{"object_type": "Axis", "name": "AP", "direction": "Posterior_to_anterior"},
                       {"object_type": "Axis", "name": "ML", "direction": "Left_to_right"},
                       {"object_type": "Axis", "name": "SI", "direction": "Superior_to_inferior"}]}


def migrate(value, top=False):
    if isinstance(value, list):
        return [migrate(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, member in value.items():
        if key == "coordinate_system" and "object_type" in value and value["object_type"] != "Atlas coordinate":
            if top:
                if value.get("global_coordinate_system") is None:
                    out["global_coordinate_system"] = migrate(member)
            elif value.get("local_coordinate_system") is None and member is not None:
                out["local_coordinate_system"] = migrate(member)
            continue
        if key == "channel_index" and value.get("object_type") == "DAQ channel" and "port" not in value:
            out["port"] = member
            continue
        if key == "channel_index" and member is None and value.get("object_type") != "Olfactometer channel":
            continue
        out[key] = migrate(member)
    if value.get("object_type") == "Code" and not value.get("version") and not value.get("commit_hash"):
        out["version"] = "0.0.0"
    return out


def main():
    os.makedirs(out_dir, exist_ok=True)
    written, skipped = 0, []
    for path in sorted(glob.glob(os.path.join(repo, "Tests/ValidationTests/Fixtures/examples/*.json"))):
        doc = json.load(open(path))
        model, version = models[doc["object_type"]]
        doc = migrate(doc, top=True)
        doc["schema_version"] = version
        doc.pop("describedBy", None)  # the 3.0.0 model's own
        if doc["object_type"] == "Instrument" and doc.get("global_coordinate_system") is None:
            doc["global_coordinate_system"] = BREGMA_ARI
        try:
            text = model.model_validate_json(json.dumps(doc)).model_dump_json(indent=3)
        except Exception as error:
            lines = str(error).splitlines()
            skipped.append((os.path.basename(path), " ".join(lines[:2])))
            # Refused only by a model rule (one value error): kept, as a document RigMapper must refuse too.
            if lines[0].startswith("1 validation error") and "Value error" in lines[1]:
                os.makedirs(invalid_dir, exist_ok=True)
                open(os.path.join(invalid_dir, os.path.basename(path)), "w").write(json.dumps(doc, indent=3))
            continue
        open(os.path.join(out_dir, os.path.basename(path)), "w").write(text)
        written += 1
    print("biodata-schema 3.0.0 fixtures: %d written, %d skipped" % (written, len(skipped)))
    for name, why in skipped:
        print("SKIPPED", name, why)


main()
