"""Conformance of `rigmap validate` with aind-data-schema 2.9.2.

Generates seeded mutations of the example acquisitions and instruments in Tests/ValidationTests/Fixtures/examples:
required fields removed, deep deletions, wrong types, bad enum values, impossible dates, dangling connections, a
modality's required devices removed, unknown fields, booleans in numeric fields and for numeric strings (pydantic's
lax mode takes them as 1 and 0 for int and float fields, not for Decimal ones), a nested model's `object_type` removed
(its field's type fills it in before the model validators run). Labels each with the reference (`Model.model_validate_json`),
runs `rigmap validate --json` on all of them in one process, and prints the agreement. Also checks that every
document the adapters emit in the test fixtures (fiber expected outputs, the gather sample's expected outputs) is
accepted by the reference; that the raw-format fixtures map to documents the reference accepts and finds compatible;
and that gathering the raw-only sessions merges as the reference's `+` does.

Usage: python conformance.py RIGMAP_BINARY [MUTATIONS_PER_DOCUMENT]
Exit status: 1 if agreement is below 99 % or the reference refuses an emitted document.
"""
import copy
import glob
import json
import os
import random
import subprocess
import sys
import tempfile
import warnings

from mutations import COMMON_KINDS, mutate_common

from aind_data_schema.core.acquisition import Acquisition
from aind_data_schema.core.instrument import Instrument

warnings.simplefilter("ignore")
import logging
logging.disable(logging.CRITICAL)
rigmap = sys.argv[1]
per_document = int(sys.argv[2]) if len(sys.argv) > 2 else 15
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
models = {"Acquisition": Acquisition, "Instrument": Instrument}
rng = random.Random(int(os.environ.get("SEED", "20261122")))


def reference_accepts(text, kind):
    try:
        models[kind].model_validate_json(text)
        return True
    except Exception:
        return False


def mutate(doc):
    """One mutation; returns its kind, or None when it does not apply."""
    return mutate_common(doc, rng.choice(COMMON_KINDS), rng)


def main():
    examples = sorted(glob.glob(os.path.join(repo, "Tests/ValidationTests/Fixtures/examples/*.json")))
    cases = []
    with tempfile.TemporaryDirectory() as work:
        for path in examples:
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
    print("conformance: %d mutations, %d agree with aind-data-schema 2.9.2: %.1f %% agreement (%d refused by the reference)"
          % (len(cases), agree, figure, sum(1 for c in cases if not c[2])))

    emitted = sorted(glob.glob(os.path.join(repo, "Tests/Mappers/*/Fixtures/**/expected.json"), recursive=True))
    emitted += sorted(glob.glob(os.path.join(repo, "Tests/Mappers/*/Fixtures/golden/**/*.json"), recursive=True))
    emitted += sorted(glob.glob(os.path.join(repo, "Tests/PipelineTests/Fixtures/*-expected/*.json")))
    refused = []
    for path in emitted:
        doc = json.load(open(path))
        kind = doc.get("object_type")
        if kind in models and not reference_accepts(open(path).read(), kind):
            refused.append(path)
    print("emitted documents: %d checked, %d refused by the reference" % (len(emitted), len(refused)))
    for path in refused:
        print("REFUSED", os.path.relpath(path, repo))
    mapped, incompatible = map_raw_fixtures()
    gathered, unequal = gather_raw_sessions()
    sys.exit(1 if figure < 99.0 or refused or incompatible or unequal else 0)


# Raw-format fixtures: each is mapped by rigmap, and both documents must be accepted by the reference and pass its
# instrument/acquisition compatibility check.
ECEPHYS = "Tests/Mappers/EcephysMapperTests/Fixtures/"
RAW_FIXTURES = [
    ("behavior", "Tests/Mappers/BehaviorMapperTests/Fixtures/session*", "timezone: America/Los_Angeles\n"),
    ("ecephys", ECEPHYS + "recording_example/7*", "timezone: America/Los_Angeles\n"),
    ("ecephys", ECEPHYS + "real/*_20*", "timezone: America/Los_Angeles\n"),
    ("ecephys", ECEPHYS + "real/OE_*", "timezone: Europe/Berlin\nmappers: {ecephys: {settings: {subject_id: '1'}}}\n"),
    ("ecephys", ECEPHYS + "generated/gui1-*/7*", "timezone: America/Los_Angeles\n"),
    ("ecephys", ECEPHYS + "generated/asset-*/ecephys_*", "timezone: America/Los_Angeles\n"),
    ("ecephys", ECEPHYS + "generated/port-names-*/2*", "timezone: America/Los_Angeles\nmappers: {ecephys: {settings: {subject_id: '700001'}}}\n"),
    ("spim", "Tests/Mappers/SpimMapperTests/Fixtures/SmartSPIM_*",
     "timezone: America/Los_Angeles\nmappers: {spim: {settings: {specimen_id: BRN00000148, instrument_id: 440_SmartSPIM1_20240327, "
     "chamber_immersion: {medium: Cargille Oil 1.5200, refractive_index: 1.5182}, sample_immersion: {medium: EasyIndex, refractive_index: 1.5177}}}}\n"),
    ("ecephys", ECEPHYS + "generated/disabled-*/7*",
     "timezone: America/Los_Angeles\nmappers: {ecephys: {settings: {acquisition_start_time: '2024-11-03T01:30:00-07:00'}}}\n"),
]


def map_raw_fixtures():
    from aind_data_schema.utils.compatibility_check import InstrumentAcquisitionCompatibility
    problems = []
    count = 0
    for mapper, pattern, job in RAW_FIXTURES:
        for fixture in sorted(glob.glob(os.path.join(repo, pattern))):
            with tempfile.TemporaryDirectory() as work:
                job_path = os.path.join(work, "job.yaml")
                open(job_path, "w").write(job)
                out = os.path.join(work, "out")
                result = subprocess.run([rigmap, "map", "--mapper", mapper, "--input", fixture, "--job", job_path, "--output", out], capture_output=True, text=True)
                name = "%s %s" % (mapper, os.path.relpath(fixture, repo))
                if result.returncode != 0:
                    problems.append("%s: rigmap map failed: %s" % (name, result.stderr.strip().splitlines()[-1:]))
                    continue
                documents = {}
                for kind in ("Acquisition", "Instrument"):
                    path = os.path.join(out, "%s_%s.json" % (kind.lower(), mapper))
                    if not os.path.exists(path):
                        continue
                    text = open(path).read()
                    try:
                        documents[kind] = models[kind].model_validate_json(text)
                    except Exception as error:
                        problems.append("%s: the reference refuses %s: %s" % (name, os.path.basename(path), str(error).splitlines()[0]))
                if len(documents) == 2:
                    try:
                        InstrumentAcquisitionCompatibility(documents["Instrument"], documents["Acquisition"]).run_compatibility_check()
                    except Exception as error:
                        problems.append("%s: incompatible: %s" % (name, str(error).splitlines()[0]))
                count += 1
    print("raw fixtures: %d mapped, %d problems" % (count, len(problems)))
    for problem in problems:
        print("RAW", problem)
    return count, problems


# Sessions made only of raw files: `rigmap gather` maps every rig and merges their documents. The merged documents
# must be accepted by the reference, pass its compatibility check, and equal the reference's own merge (`+`, in
# file-name order) of the per-mapper documents rigmap wrote, as `write_standard_file` writes it.
RAW_SESSIONS = ["Examples/vr-foraging-session", "Tests/PipelineTests/Fixtures/vr-foraging-session"]


def gather_raw_sessions():
    from aind_data_schema.utils.compatibility_check import InstrumentAcquisitionCompatibility
    problems = []
    for session in RAW_SESSIONS:
        folder = os.path.join(repo, session)
        with tempfile.TemporaryDirectory() as work:
            out = os.path.join(work, "out")
            result = subprocess.run([rigmap, "gather", folder, "--job", os.path.join(folder, "job.yaml"), "--output", out], capture_output=True, text=True)
            if result.returncode != 0:
                problems.append("%s: rigmap gather failed: %s" % (session, result.stderr.strip().splitlines()[-1:]))
                continue
            merged = {}
            for kind in ("Acquisition", "Instrument"):
                parts = sorted(glob.glob(os.path.join(out, "%s_*.json" % kind.lower())))
                if len(parts) < 2:
                    problems.append("%s: expected two %s documents to merge, found %d" % (session, kind.lower(), len(parts)))
                    continue
                total = models[kind].model_validate_json(open(parts[0]).read())
                for part in parts[1:]:
                    total = total + models[kind].model_validate_json(open(part).read())
                ours = open(os.path.join(out, "%s.json" % kind.lower())).read()
                if ours != total.model_dump_json(indent=3):
                    problems.append("%s: %s.json differs from the reference's merge of %s" % (session, kind.lower(), ", ".join(map(os.path.basename, parts))))
                try:
                    merged[kind] = models[kind].model_validate_json(ours)
                except Exception as error:
                    problems.append("%s: the reference refuses %s.json: %s" % (session, kind.lower(), str(error).splitlines()[0]))
            if len(merged) == 2:
                try:
                    InstrumentAcquisitionCompatibility(merged["Instrument"], merged["Acquisition"]).run_compatibility_check()
                except Exception as error:
                    problems.append("%s: incompatible: %s" % (session, str(error).splitlines()[0]))
    print("raw sessions gathered: %d, %d problems" % (len(RAW_SESSIONS), len(problems)))
    for problem in problems:
        print("GATHER", problem)
    return len(RAW_SESSIONS), problems


main()
