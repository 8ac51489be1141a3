"""`rigmap upgrade` against biodata-schema 3.0.0 (run by Scripts/upgrade-parity in the biodata venv).

Inputs (all aind-data-schema 2.9.2):
  - every acquisition/instrument example of aind-data-schema 2.9.2 (Tests/UpgradeTests/Fixtures/aind-2.9.2);
  - what the four mappers write for the committed samples: `rigmap gather` of Examples/* and of the adapters'
    sample sessions, and the adapters' committed golden documents.
Each set is upgraded twice: without settings, and with settings (code.version, an instrument frame,
transforms.local_frame). Checked for every document:
  - upgraded: biodata-schema 3.0.0 accepts it (model_validate_json) and its bytes equal
    model_validate_json(bytes).model_dump_json(indent=3), the standard writer's;
  - refused: upgrade_report.json says why (an error diagnostic);
  - every scalar value of the input is in the output, or its path (or an enclosing one) is named in the report.
Then the gathers with `schema: biodata-schema@3.0.0` (Scripts/upgrade-parity passes their folders): acquisition.json
and instrument.json are accepted and byte-identical, and the pair passes biodata-schema's compatibility check.
Usage: python upgrade-parity.py RIGMAP REPO [GATHER_3_0_0_FOLDER...]
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings

warnings.simplefilter("ignore")

from biodata_schema.core.acquisition import Acquisition  # noqa: E402
from biodata_schema.core.instrument import Instrument  # noqa: E402

rigmap, repo = sys.argv[1], sys.argv[2]
gathered_3 = sys.argv[3:]
MODELS = {"Acquisition": Acquisition, "Instrument": Instrument}
FRAME = json.dumps({
    "object_type": "Coordinate system", "name": "BREGMA_ARI", "origin": "Bregma",
    "axes": [{"object_type": "Axis", "name": "AP", "direction": "Posterior_to_anterior"},
             {"object_type": "Axis", "name": "ML", "direction": "Left_to_right"},
             {"object_type": "Axis", "name": "SI", "direction": "Superior_to_inferior"}],
    "axis_unit": "micrometer"})
SETTINGS = ["--set", "code.version=0.0.0-unrecorded", "--set", "instrument.global_coordinate_system=" + FRAME,
            "--set", "transforms.local_frame=true"]
failures = []


def fail(message):
    failures.append(message)
    print("FAIL " + message)


def run(args, **kwargs):
    return subprocess.run([rigmap] + args, capture_output=True, text=True, **kwargs)


def collect_inputs(work):
    """The 2.9.2 documents: reference examples, gathers of the committed samples, golden outputs."""
    inputs = sorted(glob.glob(os.path.join(repo, "Tests/UpgradeTests/Fixtures/aind-2.9.2/*.json")))
    sessions = [
        ("vr-foraging", "Examples/vr-foraging-session", "Examples/vr-foraging-session/job.yaml"),
        ("fip", "Examples/fip-session", "Examples/fip-session/job.yaml"),
        ("behavior", "Tests/Mappers/BehaviorMapperTests/Fixtures/session", None),
        ("ecephys", "Tests/Mappers/EcephysMapperTests/Fixtures/recording_example", None),
        ("spim", "Tests/Mappers/SpimMapperTests/Fixtures/SmartSPIM_000000_2024-05-01_10-00-00", "Tests/UpgradeTests/Fixtures/jobs/spim-2.9.2.yaml"),
    ]
    for name, session, job in sessions:
        out = os.path.join(work, "gather-" + name)
        args = ["gather", os.path.join(repo, session), "--output", out]
        if job:
            args += ["--job", os.path.join(repo, job)]
        result = run(args)
        documents = sorted(glob.glob(os.path.join(out, "acquisition*.json")) + glob.glob(os.path.join(out, "instrument*.json")))
        if not documents:
            fail(f"gather {session} wrote no documents (exit {result.returncode}): {result.stderr[-400:]}")
        for document in documents:
            # One folder per document: upgrade writes each under its own file name.
            target = os.path.join(work, "mapped", name + "-" + os.path.basename(document))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(document, target)
            inputs.append(target)
    for golden in sorted(glob.glob(os.path.join(repo, "Tests/Mappers/*/Fixtures/golden/**/*.json"), recursive=True)):
        base = os.path.basename(golden)
        if base.startswith(("acquisition", "instrument")):
            target = os.path.join(work, "mapped", "golden-" + golden.split("/Tests/Mappers/")[1].split("/")[0] + "-" + base)
            shutil.copyfile(golden, target)
            inputs.append(target)
    return inputs


def leaves(value, path="$"):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def normal(value):
    if isinstance(value, bool) or value is None:
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", float(value))
    return ("s", value)


def report_path(path):
    """A report path (`a.b[0]`) as leaves() writes it (`$.a.b[0]`)."""
    return "$" if path == "$" else "$." + path if not path.startswith("[") else "$" + path


def check_standard(data, label):
    document = json.loads(data)
    model = MODELS.get(document.get("object_type"))
    if model is None:
        fail(f"{label}: object_type {document.get('object_type')!r}")
        return None
    try:
        parsed = model.model_validate_json(data)
    except Exception as error:  # pydantic.ValidationError
        fail(f"{label}: biodata-schema 3.0.0 refuses it: {str(error)[:600]}")
        return None
    if parsed.model_dump_json(indent=3) != data:
        fail(f"{label}: not byte-identical to model_dump_json(indent=3)")
    return parsed


def upgrade_all(inputs, work, label, extra):
    out = os.path.join(work, "upgraded-" + label)
    # Inputs from several folders can share a file name: one run per distinct name set.
    by_name = {}
    for path in inputs:
        by_name.setdefault(os.path.basename(path), []).append(path)
    rounds = max(len(v) for v in by_name.values())
    counts = {"upgraded": 0, "refused": 0}
    for r in range(rounds):
        batch = [paths[r] for paths in by_name.values() if len(paths) > r]
        folder = f"{out}-{r}"
        result = run(["upgrade"] + batch + ["--to", "biodata-schema@3.0.0", "--output", folder, "--jobs", "2"] + extra)
        if result.returncode not in (0, 1):
            fail(f"{label}: rigmap upgrade exited {result.returncode}: {result.stderr[-600:]}")
            continue
        report = json.load(open(os.path.join(folder, "upgrade_report.json")))
        entries = {os.path.abspath(e["file"]): e for e in report["documents"]}
        for path in batch:
            entry = entries.get(os.path.abspath(path))
            name = os.path.basename(path)
            tag = f"{label}: {os.path.relpath(path, work) if path.startswith(work) else os.path.relpath(path, repo)}"
            if entry is None:
                fail(f"{tag}: not in upgrade_report.json")
                continue
            counts[entry["status"]] += 1
            if entry["status"] == "refused":
                if not any(d["severity"] == "error" and d["message"] for d in entry["diagnostics"]):
                    fail(f"{tag}: refused without a reason")
                if os.path.exists(os.path.join(folder, name)):
                    fail(f"{tag}: refused, yet written")
                reason = next((d["message"] for d in entry["diagnostics"] if d["severity"] == "error"), "")
                print(f"  refused {tag}: {reason[:160]}")
                continue
            data = open(os.path.join(folder, name)).read()
            check_standard(data, tag)
            # Every input value is in the output or named in the report.
            source = json.load(open(path))
            output_values = {normal(v) for _, v in leaves(json.loads(data))}
            named = [report_path(c["path"]) for c in entry["changes"]] + [report_path(c["from"]) for c in entry["changes"] if c["from"]]
            notes_text = " ".join(c["note"] for c in entry["changes"])
            for leaf_path, value in leaves(source):
                if leaf_path in ("$.schema_version", "$.describedBy"):
                    continue
                if normal(value) in output_values:
                    continue
                if any(leaf_path == p or leaf_path.startswith(p + ".") or leaf_path.startswith(p + "[") for p in named):
                    continue
                if isinstance(value, str) and value in notes_text:
                    continue
                fail(f"{tag}: input value {leaf_path} = {value!r} is neither in the output nor named in the report")
    print(f"{label}: {counts['upgraded']} upgraded, {counts['refused']} refused, of {sum(counts.values())}")
    return counts


def check_gathered(folder):
    # The final documents are 3.0.0; each mapper's own document beside them (acquisition_<mapper>.json) stays what
    # the mapper built, aind-data-schema 2.9.2, as rigmap.lock's outputs describe.
    documents = {}
    for path in [os.path.join(folder, "acquisition.json"), os.path.join(folder, "instrument.json")]:
        if not os.path.exists(path):
            continue
        parsed = check_standard(open(path).read(), os.path.relpath(path, folder) + " in " + folder)
        if parsed is not None:
            documents[os.path.basename(path)] = parsed
    if "acquisition.json" not in documents or "instrument.json" not in documents:
        fail(f"{folder}: no accepted acquisition.json and instrument.json pair")
        return
    from biodata_schema.utils.compatibility_check import InstrumentAcquisitionCompatibility

    try:
        InstrumentAcquisitionCompatibility(instrument=documents["instrument.json"], acquisition=documents["acquisition.json"]).run_compatibility_check()
    except Exception as error:
        fail(f"{folder}: biodata-schema's compatibility check refuses the pair: {str(error)[:600]}")
    print(f"{folder}: {len(documents)} biodata-schema 3.0.0 documents accepted, byte-identical, pair compatible")


def main():
    work = tempfile.mkdtemp(prefix="upgrade-parity-")
    try:
        inputs = collect_inputs(work)
        print(f"{len(inputs)} aind-data-schema 2.9.2 documents")
        plain = upgrade_all(inputs, work, "no-settings", [])
        settled = upgrade_all(inputs, work, "settings", SETTINGS)
        if settled["upgraded"] < plain["upgraded"]:
            fail("settings upgraded fewer documents than no settings")
        for folder in gathered_3:
            check_gathered(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
    print("upgrade parity: ok")


main()
