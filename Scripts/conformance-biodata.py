"""Conformance of `rigmap validate` and `rigmap merge` with biodata-schema 3.0.0.

Validation: seeded mutations of the biodata-schema 3.0.0 fixtures (Tests/ReleasesTests/Fixtures/biodata-3.0.0, made
from the aind-data-schema 2.9.2 examples by Scripts/make-biodata-fixtures.py): the mutations of Scripts/conformance.py
plus 3.0.0's own rules (a `Code` without version or commit hash, a transform with one value too few or too many for
its coordinate system, a device given another device's name, a deprecated 2.x field put back, a rotation's axis
order). Each is labelled by the reference (`Model.model_validate_json`); `rigmap validate --json` runs on all of them
in one process (the release told from schema_version); the agreement is printed.

Merge: each acquisition fixture is merged with itself (also with its subject_details left out of the second), and
each fixture with two or more data streams (acquisitions) or components
(instruments) is split in two documents that the reference accepts (up to eight pairs per fixture); the reference's `a + b`, written by `model_dump_json(indent=3)`, must equal
`rigmap merge a.json b.json` byte for byte, and where the reference refuses the pair, rigmap must refuse it too.
Also: mixing a 3.0.0 and a 2.9.2 document must be refused.

Usage: python conformance-biodata.py RIGMAP_BINARY [MUTATIONS_PER_DOCUMENT]
Exit status: 1 if agreement is below 99 % or a merge differs.
"""
import copy
import glob
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import warnings

from mutations import COMMON_KINDS, get, mutate_common, paths

from biodata_schema.core.acquisition import Acquisition
from biodata_schema.core.instrument import Instrument

warnings.simplefilter("ignore")
import logging
logging.disable(logging.CRITICAL)
rigmap = sys.argv[1]
per_document = int(sys.argv[2]) if len(sys.argv) > 2 else 15
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
fixtures = os.path.join(repo, "Tests/ReleasesTests/Fixtures/biodata-3.0.0")
models = {"Acquisition": Acquisition, "Instrument": Instrument}
rng = random.Random(int(os.environ.get("SEED", "20261205")))


def reference_accepts(text, kind):
    try:
        models[kind].model_validate_json(text)
        return True
    except Exception:
        return False


def mutate(doc):
    """One mutation (the shared ones of Scripts/mutations.py, then 3.0.0's own); returns its kind, or None when it does
    not apply."""
    kind = rng.choice(COMMON_KINDS + ["code_without_version", "transform_axes", "duplicate_device_name", "deprecated_field",
                                      "axis_order"])
    done = mutate_common(doc, kind, rng)
    if done is not NotImplemented:
        return done
    if kind == "code_without_version":
        codes = [p for p, v in paths(doc) if isinstance(v, dict) and v.get("object_type") == "Code"]
        if not codes:
            return None
        code = get(doc, rng.choice(codes))
        code.pop("version", None)
        if rng.random() < 0.5:
            code.pop("commit_hash", None)
        else:
            code["commit_hash"] = None
    elif kind == "transform_axes":
        transforms = [p for p, v in paths(doc) if isinstance(v, dict) and v.get("object_type") in ("Translation", "Scale", "Rotation", "Affine")]
        if not transforms:
            return None
        t = get(doc, rng.choice(transforms))
        key = {"Translation": "translation", "Scale": "scale", "Rotation": "angles", "Affine": "affine_transform"}[t["object_type"]]
        values = t.get(key)
        if not isinstance(values, list) or not values:
            return None
        if rng.random() < 0.5:
            values.pop()
        else:
            values.append(copy.deepcopy(values[-1]))
    elif kind == "duplicate_device_name":
        named = [p for p, v in paths(doc) if isinstance(v, dict) and "object_type" in v and isinstance(v.get("name"), str)]
        if len(named) < 2:
            return None
        a, b = rng.sample(named, 2)
        get(doc, b)["name"] = get(doc, a)["name"]
    elif kind == "axis_order":
        rotations = [p for p, v in paths(doc) if isinstance(v, dict) and v.get("object_type") == "Rotation"]
        if not rotations:
            return None
        get(doc, rng.choice(rotations))["axis_order"] = rng.choice(["", "xyw", "ZYX", "zx", "x y"])
    elif kind == "deprecated_field":
        objects = [p for p, v in paths(doc) if isinstance(v, dict) and "object_type" in v]
        p = rng.choice(objects)
        field = rng.choice(["coordinate_system", "channel_index"])
        get(doc, p)[field] = None if field == "channel_index" else copy.deepcopy(doc.get("global_coordinate_system"))
    return kind


def validation():
    cases = []
    with tempfile.TemporaryDirectory() as work:
        for path in sorted(glob.glob(os.path.join(fixtures, "*.json"))):
            original = json.load(open(path))
            kind = original["object_type"]
            for n in range(per_document):
                doc = copy.deepcopy(original)
                what = mutate(doc)
                if what is None:
                    continue
                text = json.dumps(doc, indent=3)
                name = os.path.join(work, "%s_%02d.json" % (os.path.basename(path)[:-5], n))
                with open(name, "w") as f:
                    f.write(text)
                cases.append((name, what, reference_accepts(text, kind)))
        result = subprocess.run([rigmap, "validate", "--json"] + [c[0] for c in cases], capture_output=True, text=True)
        report = {entry["file"]: entry for entry in json.loads(result.stdout)["files"]}
        agree = 0
        by_kind = {}
        for name, what, accepted in cases:
            ours = report[name]["status"] == "valid"
            ok = ours == accepted
            agree += ok
            total, good = by_kind.get(what, (0, 0))
            by_kind[what] = (total + 1, good + ok)
            if not ok:
                errors = "; ".join("%s: %s" % (e["path"], e["message"]) for e in report[name]["errors"][:2])
                print("DISAGREE %s (%s): reference %s, rigmap %s %s" % (
                    os.path.basename(name), what, "accepts" if accepted else "refuses", "accepts" if ours else "refuses", errors))
    figure = 100.0 * agree / len(cases)
    for what, (total, good) in sorted(by_kind.items()):
        print("  %-24s %3d/%3d" % (what, good, total))
    print("conformance: %d mutations, %d agree with biodata-schema 3.0.0: %.1f %% agreement (%d refused by the reference)"
          % (len(cases), agree, figure, sum(1 for c in cases if not c[2])))
    return figure


def halves(doc):
    """An acquisition with itself (its overlapping data streams merge into one; an instrument with itself shares every
    device, which RigMapper refuses by design: see Composer), then ways to split the document in two the reference may
    accept."""
    if doc["object_type"] == "Acquisition":
        yield copy.deepcopy(doc), copy.deepcopy(doc)
        if doc.get("subject_details") is not None:
            b = copy.deepcopy(doc)
            b["subject_details"] = None  # only one acquisition may carry them
            yield copy.deepcopy(doc), b
        streams = doc.get("data_streams") or []
        for k in range(1, len(streams)):
            a, b = copy.deepcopy(doc), copy.deepcopy(doc)
            a["data_streams"], b["data_streams"] = streams[:k], streams[k:]
            epochs = doc.get("stimulus_epochs") or []
            a["stimulus_epochs"], b["stimulus_epochs"] = epochs[:len(epochs) // 2], epochs[len(epochs) // 2:]
            b["subject_details"] = None
            yield a, b
    else:
        components = doc.get("components") or []
        for k in range(1, len(components)):
            a, b = copy.deepcopy(doc), copy.deepcopy(doc)
            a["components"], b["components"] = components[:k], components[k:]
            names_a = {c.get("name") for c in a["components"]} | {doc.get("instrument_id")}
            names_b = {c.get("name") for c in b["components"]} | {doc.get("instrument_id")}
            connections = doc.get("connections") or []
            a["connections"] = [c for c in connections if c["source_device"] in names_a and c["target_device"] in names_a]
            b["connections"] = [c for c in connections if c["source_device"] in names_b and c["target_device"] in names_b
                                and c not in a["connections"]]
            yield a, b


def merging():
    pairs = same = refused_both = differ = 0
    problems = []
    with tempfile.TemporaryDirectory() as work:
        for path in sorted(glob.glob(os.path.join(fixtures, "*.json"))):
            doc = json.load(open(path))
            model = models[doc["object_type"]]
            tried = 0
            for a, b in halves(doc):
                if tried >= 8:
                    break
                try:
                    ma = model.model_validate_json(json.dumps(a))
                    mb = model.model_validate_json(json.dumps(b))
                except Exception:
                    continue
                tried += 1
                pairs += 1
                fa, fb, out = (os.path.join(work, n) for n in ("a.json", "b.json", "merged.json"))
                open(fa, "w").write(ma.model_dump_json(indent=3))
                open(fb, "w").write(mb.model_dump_json(indent=3))
                if os.path.exists(out):
                    os.remove(out)
                try:
                    reference = (ma + mb).model_dump_json(indent=3)
                except Exception as error:
                    reference = None
                    why = str(error).splitlines()[0]
                result = subprocess.run([rigmap, "merge", fa, fb, "--output", out], capture_output=True, text=True)
                name = os.path.basename(path)
                if reference is None:
                    if result.returncode != 0:
                        refused_both += 1
                    else:
                        differ += 1
                        problems.append("%s: the reference refuses the pair (%s), rigmap merges it" % (name, why))
                elif result.returncode != 0:
                    differ += 1
                    problems.append("%s: rigmap refuses a pair the reference merges: %s" % (name, result.stderr.strip().splitlines()[-1:]))
                elif open(out).read() != reference:
                    differ += 1
                    problems.append("%s: rigmap merge differs from the reference's +" % name)
                else:
                    same += 1
        # Mixing releases is refused, naming both.
        old = os.path.join(repo, "Tests/ValidationTests/Fixtures/examples/fip_ophys_acquisition.json")
        new = os.path.join(fixtures, "fip_ophys_acquisition.json")
        mixed = subprocess.run([rigmap, "merge", new, old, "--output", os.path.join(work, "mixed.json")], capture_output=True, text=True)
        if mixed.returncode == 0 or "biodata-schema 3.0.0" not in mixed.stderr or "aind-data-schema 2.9.2" not in mixed.stderr:
            problems.append("mixing releases was not refused with both named: %s" % mixed.stderr.strip())
    print("merge parity: %d pairs, %d byte-identical to the reference's +, %d refused by both, %d differ" % (pairs, same, refused_both, differ))
    for problem in problems:
        print("MERGE", problem)
    return problems


started = time.time()
figure = validation()
problems = merging()
print("conformance-biodata: %.0f s" % (time.time() - started))
sys.exit(1 if figure < 99.0 or problems else 0)
