"""ecephys@1.0.0 against generated recordings it has not seen, and against aind-data-schema 2.9.2.

Generates seeded variants with Scripts/make-ecephys-recording.py (2-6 probes, NP1.0/NP2.0/Quad Base, the three naming
schemes, 1-2 Record Nodes, NI-DAQ, GUI 0.6.7 and 1.0.1 layouts, several experiments and recordings, disabled and
unrecorded probes, missing sync files, CRLF/LF, AIND asset layout, notebook checkpoint copies, DST dates), maps each
with `rigmap map --mapper ecephys`, and checks the documents against the generator's ground truth (expected.json):
probe names, serial numbers, models, ports, active devices per experiment, start and end times and their offsets.
Both documents must be accepted by aind-data-schema (`model_validate_json`) and pass its instrument/acquisition
compatibility check. A start DATE that the rig's zone makes ambiguous, without sync files, must be refused.

Usage: python ecephys-differential.py RIGMAP_BINARY [CASES]     (run by Scripts/ecephys-differential)
Exit status: 1 if any case disagrees.
"""
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import warnings
import zoneinfo

warnings.simplefilter("ignore")
import logging

logging.disable(logging.CRITICAL)
from aind_data_schema.core.acquisition import Acquisition
from aind_data_schema.core.instrument import Instrument
from aind_data_schema.utils.compatibility_check import InstrumentAcquisitionCompatibility

rigmap = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 30
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
generator = os.path.join(repo, "Scripts", "make-ecephys-recording.py")
zone = "America/Los_Angeles"
rng = random.Random(int(os.environ.get("SEED", "20261129")))
TARGETS = ["VISp", "LGd", "CA1", "MOs", "root", "SCs"]


def instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def variant(n):
    """Generator options and a job for case n."""
    probes = rng.randint(2, 6)
    options = ["--seed", str(n + 1), "--probes", str(probes), "--np2", str(rng.randint(0, probes))]
    if rng.random() < 0.2:
        options.append("--quad-base")
    options += ["--record-nodes", rng.choice(["1", "2"])]
    if rng.random() < 0.5:
        options.append("--nidaq")
    options += ["--gui", rng.choice(["0.6.7", "1.0.1"]), "--naming", rng.choice(["auto", "port", "probe"])]
    if rng.random() < 0.3:
        options.append("--stale-custom-names")
    indices = list(range(probes))
    rng.shuffle(indices)
    if rng.random() < 0.25 and probes > 2:
        options += ["--disable", str(indices.pop())]
    if rng.random() < 0.2 and probes > 2:
        options += ["--unrecorded", str(indices.pop())]
    no_sync = rng.random() < 0.25
    if no_sync:
        options.append("--no-sync")
    options += ["--experiments", str(rng.randint(1, 3)), "--recordings", str(rng.randint(1, 2))]
    options += ["--samples", str(rng.choice([0, 300, 3000, 90000]))]
    # Start: any day of 2024, or the night clocks turned back (01:30 happens twice) or forward.
    day = rng.choice(["2024-11-03T01:30:00", "2024-03-10T03:10:00", None, None, None, None])
    if day is None:
        base = datetime.datetime(2024, 1, 1, 0, 0, 0) + datetime.timedelta(minutes=rng.randint(0, 366 * 24 * 60 - 1))
        day = base.strftime("%Y-%m-%dT%H:%M:%S")
    local = datetime.datetime.fromisoformat(day).replace(tzinfo=zoneinfo.ZoneInfo(zone))
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60)
    options += ["--start", day, "--utc-offset", "%s%02d:%02d" % ("-" if minutes < 0 else "+", abs(minutes) // 60, abs(minutes) % 60)]
    if rng.random() < 0.2:
        options.append("--asset")
    if rng.random() < 0.2:
        options.append("--ipynb-checkpoints")
    if rng.random() < 0.3:
        options.append("--lf")
    no_prepend = rng.random() < 0.1
    if no_prepend:
        options.append("--no-prepend")
    return options, no_sync, no_prepend


def check(case, expected, out, settings):
    problems = []
    instrument_text = open(os.path.join(out, "instrument_ecephys.json")).read()
    acquisition_text = open(os.path.join(out, "acquisition_ecephys.json")).read()
    try:
        instrument = Instrument.model_validate_json(instrument_text)
        acquisition = Acquisition.model_validate_json(acquisition_text)
        InstrumentAcquisitionCompatibility(instrument, acquisition).run_compatibility_check()
    except Exception as error:
        problems.append("the reference refuses the documents: %s" % str(error).splitlines()[0])
    inst = json.loads(instrument_text)
    acq = json.loads(acquisition_text)
    assemblies = [c for c in inst["components"] if c["object_type"] == "Ephys assembly"]
    ours = {p["name"]: p for a in assemblies for p in a["probes"]}
    enabled = [p for p in expected["probes"] if p["enabled"]]
    if sorted(ours) != sorted(p["name"] for p in enabled):
        problems.append("probe names %s, expected %s" % (sorted(ours), sorted(p["name"] for p in enabled)))
    for p in enabled:
        mine = ours.get(p["name"])
        if mine is None:
            continue
        serial = None if p["serial_number"] in ("0", "") else p["serial_number"]
        if mine["serial_number"] != serial:
            problems.append("%s: serial %s, expected %s" % (p["name"], mine["serial_number"], serial))
        if mine["probe_model"] != p["aind_probe_model"]:
            problems.append("%s: probe_model %s, expected %s" % (p["name"], mine["probe_model"], p["aind_probe_model"]))
        if mine["model"] != p["probe_part_number"]:
            problems.append("%s: model %s, expected %s" % (p["name"], mine["model"], p["probe_part_number"]))
        manipulator = next(a["manipulator"] for a in assemblies if mine in a["probes"])
        if manipulator["serial_number"] != settings["manipulators"].get(p["name"]):
            problems.append("%s: manipulator serial %s" % (p["name"], manipulator["serial_number"]))
    stations = {c["slot"]: c for c in inst["components"] if c["object_type"] == "Neuropixels basestation"}
    for p in enabled:
        station = stations.get(p["slot"])
        ports = {port["index"]: port["probes"] for port in station["ports"]} if station else {}
        if p["name"] not in ports.get(p["port"], []):
            problems.append("%s: not on slot %s port %s (%s)" % (p["name"], p["slot"], p["port"], ports))
    # Active probes: those recorded, in every data stream (one per experiment).
    recorded = sorted(p["name"] for p in enabled if p["recorded"])
    streams = acq["data_streams"]
    if len(streams) != len(expected["experiments"]):
        problems.append("%d data streams for %d experiments" % (len(streams), len(expected["experiments"])))
    for stream in streams:
        active = sorted(name for name in stream["active_devices"] if name in ours)
        if active != recorded:
            problems.append("active probes %s, expected %s" % (active, recorded))
        targets = {c["probes"][0]["device_name"]: c["probes"][0]["primary_targeted_structure"]["acronym"] for c in stream["configurations"]}
        for name, acronym in targets.items():
            if acronym != settings["targets"].get(name, "root"):
                problems.append("%s: target %s" % (name, acronym))
        if expected.get("nidaq") and ("PXIe-6341" in stream["active_devices"]) != True:
            problems.append("the NI-DAQ is not an active device")
    start, want = instant(acq["acquisition_start_time"]), instant(expected["acquisition_start_time"])
    if start != want:
        problems.append("start %s, expected %s" % (acq["acquisition_start_time"], expected["acquisition_start_time"]))
    if start.utcoffset() != want.utcoffset():
        problems.append("start offset %s, expected %s" % (start.utcoffset(), want.utcoffset()))
    end, want_end = instant(acq["acquisition_end_time"]), instant(expected["acquisition_end_time"])
    # Without sync files the start is DATE (whole seconds) while the ground truth's end is the true one.
    tolerance = datetime.timedelta(microseconds=2) if expected.get("has_sync_messages", True) else datetime.timedelta(seconds=1)
    # Without sync files and without samples, a later recording of an experiment cannot be placed in time.
    unplaceable = not expected.get("has_sync_messages", True) and all(
        not any(r.get("sample_counts", {}).values()) for e in expected["experiments"] for r in e["recordings"]
    ) and any(len(e["recordings"]) > 1 for e in expected["experiments"])
    if abs(end - want_end) > tolerance and not unplaceable:
        problems.append("end %s, expected %s" % (acq["acquisition_end_time"], expected["acquisition_end_time"]))
    if acq["subject_id"] != expected["subject_id"]:
        problems.append("subject %s, expected %s" % (acq["subject_id"], expected["subject_id"]))
    return problems


same = refused_as_expected = different = 0
with tempfile.TemporaryDirectory() as work:
    for n in range(count):
        options, no_sync, no_prepend = variant(n)
        case = os.path.join(work, "c%d" % n)
        subprocess.run([sys.executable, generator, case] + options, check=True, capture_output=True)
        expected = json.load(open(os.path.join(case, "expected.json")))
        names = [p["name"] for p in expected["probes"] if p["enabled"]]
        settings = {
            "manipulators": {name: "SN%d" % (45000 + i) for i, name in enumerate(names) if rng.random() < 0.7},
            "targets": {name: rng.choice(TARGETS) for name in names if rng.random() < 0.6},
        }
        if no_prepend:
            settings["subject_id"] = expected["subject_id"]
        job = os.path.join(case, "job.yaml")
        with open(job, "w") as f:
            json.dump({"timezone": zone, "mappers": {"ecephys": {"settings": settings}}}, f)
        out = os.path.join(case, "out")
        session = os.path.join(case, expected.get("data_root") or expected["session_folder"])
        result = subprocess.run([rigmap, "map", "--mapper", "ecephys", "--input", session, "--job", job, "--output", out], capture_output=True, text=True)
        ambiguous = no_sync and "2024-11-03T01:30:00" in options
        label = "case %d (%s)" % (n, " ".join(options))
        if ambiguous:
            if result.returncode != 0 and "happens twice" in result.stderr:
                refused_as_expected += 1
            else:
                different += 1
                print("DIFFERENT %s: an ambiguous DATE without sync files was not refused" % label)
            continue
        if result.returncode != 0:
            different += 1
            print("DIFFERENT %s: rigmap refused: %s" % (label, [l for l in result.stderr.splitlines() if "error" in l][:3]))
            continue
        problems = check(n, expected, out, settings)
        if problems:
            different += 1
            print("DIFFERENT %s:\n  %s" % (label, "\n  ".join(problems[:6])))
        else:
            same += 1
print("ecephys@1.0.0 differential: %d generated recordings, %d as the ground truth says, %d refused as they must be, %d different"
      % (count, same, refused_as_expected, different))
sys.exit(1 if different else 0)
