"""Side-by-side timing of rigmap and the Python reference tools, whole process, in one run (Scripts/bench-compare).
Goals (issue 24, 0.6.0): fiber map <= 20 ms and >= 60x the Python mapper; merge and validate >= 20x; SPIM 10k <= 300 ms;
  ecephys <= 60 ms; batch >= 100x the Python loop (throughput against 0.5.0: Scripts/bench-variants.py).

Every row runs the rigmap command and its Python counterpart alternately (paired runs, so both see the same machine
state), N times each, and reports the medians, their ratio and the goal. Inputs are generated here into a temporary
folder; outputs go to fresh folders.

Usage: python3 bench-compare.py RIGMAP REPO VENV_SCHEMAS VENV_MAPPER VENV_BENCH [RUNS]
"""
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench_inputs import ecephys_recording, fip_batch, instrument, spim_acquisition, write

rigmap, repo, venv_schemas, venv_mapper, venv_bench = sys.argv[1:6]
runs = int(sys.argv[6]) if len(sys.argv) > 6 else 5
py_schemas = os.path.join(venv_schemas, "bin", "python")
py_mapper = os.path.join(venv_mapper, "bin", "python")
py_bench = os.path.join(venv_bench, "bin", "python")
# biodata-schema 3.0.0 (Scripts/bench-compare passes its venv; the upgrade rows are left out without one).
venv_biodata = os.environ.get("BENCH_VENV_BIODATA")
py_biodata = os.path.join(venv_biodata, "bin", "python") if venv_biodata else None
work = tempfile.mkdtemp(prefix="rigmap-bench-")
counter = [0]


def fresh(name):
    counter[0] += 1
    return os.path.join(work, "out-%s-%d" % (name, counter[0]))


def timed(command, env=None):
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 3):
        sys.stderr.write("FAILED (%d): %s\n%s\n" % (result.returncode, " ".join(command), result.stderr.decode(errors="replace")[-600:]))
    return elapsed


def paired(ours, theirs, n):
    a, b = [], []
    for _ in range(n):
        a.append(timed(ours()))
        if theirs is not None:
            b.append(timed(theirs()))
    return statistics.median(a), (statistics.median(b) if b else None)


rows = []


def row(name, ours, theirs, goal_time, goal_ratio, n=runs, note=""):
    # Files written just before (the inputs, the release binary) are flushed first, so their write-back does not
    # land in this row's timings; then one untimed run of each side, as hyperfine's --warmup does.
    os.sync()
    timed(ours())
    if theirs is not None:
        timed(theirs())
    r, p = paired(ours, theirs, n)
    rows.append((name, r, p, goal_time, goal_ratio, note))
    sys.stderr.write("  %s: rigmap %.3f s%s\n" % (name, r, "" if p is None else ", Python %.3f s" % p))


sys.stderr.write("generating inputs in %s\n" % work)
fip = os.path.join(repo, "Examples/fip-session")
job = os.path.join(fip, "job.yaml")
write(os.path.join(work, "fip_map.py"), """
import json, sys, logging, warnings
warnings.simplefilter("ignore"); logging.disable(logging.CRITICAL)
from aind_metadata_mapper.fip.mapper import FIPMapper
settings = {"implanted_fibers": [0, 1], "acquisition_type": "AindVrForaging", "ethics_review_id": ["2115"],
            "intended_measurements": {"Fiber_0": {"R": "dopamine", "G": "calcium", "B": None, "Iso": "control"},
                                      "Fiber_1": {"R": "acetylcholine", "G": "calcium", "B": None, "Iso": "control"}}}
open(sys.argv[2], "w").write(FIPMapper().transform(json.load(open(sys.argv[1])), **settings).model_dump_json(indent=3))
""")
for rig in ("A", "B"):
    write(os.path.join(work, "merge/instrument_%s.json" % rig), json.dumps(instrument(repo, 10000, rig), indent=3))
write(os.path.join(work, "merge.py"), """
import sys
from aind_data_schema.core.instrument import Instrument
a = Instrument.model_validate_json(open(sys.argv[1]).read()); b = Instrument.model_validate_json(open(sys.argv[2]).read())
open(sys.argv[3], "w").write((a + b).model_dump_json(indent=3))
""")
write(os.path.join(work, "validate/instrument.json"), json.dumps(instrument(repo, 20000, "V"), indent=3))
write(os.path.join(work, "validate.py"), """
import sys
from aind_data_schema.core.instrument import Instrument
Instrument.model_validate_json(open(sys.argv[1]).read())
""")

sys.stderr.write("rows (%d paired runs each):\n" % runs)
row("map fiber@1.4.0, one asset",
    lambda: [rigmap, "map", "--mapper", "fiber", "--input", os.path.join(fip, "fip.json"), "--job", job, "--output", fresh("map")],
    lambda: [py_mapper, os.path.join(work, "fip_map.py"), os.path.join(fip, "fip.json"), fresh("map-py")],
    0.020, 60)
row("merge 2 × 10,000 components (validated)",
    lambda: [rigmap, "merge", os.path.join(work, "merge/instrument_A.json"), os.path.join(work, "merge/instrument_B.json"), "--output", fresh("merge") + ".json"],
    lambda: [py_schemas, os.path.join(work, "merge.py"), os.path.join(work, "merge/instrument_A.json"), os.path.join(work, "merge/instrument_B.json"), fresh("merge-py") + ".json"],
    None, 20)
row("validate one 20,000-component instrument",
    lambda: [rigmap, "validate", os.path.join(work, "validate/instrument.json")],
    lambda: [py_schemas, os.path.join(work, "validate.py"), os.path.join(work, "validate/instrument.json")],
    None, 20)

# Upgrade: rigmap upgrade of the same 20,000-component instrument (2.9.2 → biodata-schema 3.0.0: validate the input,
# convert, validate the result, write) against loading and re-validating the upgraded document with biodata-schema
# 3.0.0 in Python (model_validate_json, then the standard writer). Then 1,000 documents in one run, --jobs 1 and 2.
if py_biodata:
    upgraded = os.path.join(work, "upgraded")
    subprocess.run([rigmap, "upgrade", os.path.join(work, "validate/instrument.json"), "--to", "biodata-schema@3.0.0", "--output", upgraded], check=True,
                   stdout=subprocess.DEVNULL)
    write(os.path.join(work, "revalidate.py"), """
import sys, warnings
warnings.simplefilter("ignore")
from biodata_schema.core.instrument import Instrument
open(sys.argv[2], "w").write(Instrument.model_validate_json(open(sys.argv[1]).read()).model_dump_json(indent=3))
""")
    row("upgrade one 20,000-component instrument to biodata-schema 3.0.0",
        lambda: [rigmap, "upgrade", os.path.join(work, "validate/instrument.json"), "--to", "biodata-schema@3.0.0", "--output", fresh("upgrade")],
        lambda: [py_biodata, os.path.join(work, "revalidate.py"), os.path.join(upgraded, "instrument.json"), fresh("upgrade-py") + ".json"],
        None, 15, note="Python: biodata-schema 3.0.0 load + validate + write of the upgraded document")
    documents = os.path.join(work, "upgrade-1000")
    os.makedirs(documents)
    for i in range(500):
        for name in ("instrument_behavior.json", "instrument_fip.json"):
            shutil.copy(os.path.join(fip, name), os.path.join(documents, name.replace(".json", "_%04d.json" % i)))
    for jobs in (1, 2):
        row("upgrade 1,000 documents (FIP instruments, 2 × 500), --jobs %d" % jobs,
            lambda jobs=jobs: [rigmap, "upgrade", documents, "--to", "biodata-schema@3.0.0", "--output", fresh("upgrade-batch"), "--jobs", str(jobs)],
            None, None, None, n=max(1, min(runs, 3)), note="rigmap alone")

# Behavior: no Python reference mapper exists (the reference has only FIP); rigmap alone.
subprocess.run([sys.executable, os.path.join(repo, "Scripts/make-behavior-session.py"), os.path.join(work, "behavior"), "--seconds", "1800"],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
behavior_job = os.path.join(work, "behavior-job.yaml")
write(behavior_job, "timezone: America/Los_Angeles\n")
row("map behavior@1.0.0, a 30-minute Harp session",
    lambda: [rigmap, "map", "--mapper", "behavior", "--input", os.path.join(work, "behavior"), "--job", behavior_job, "--output", fresh("behavior")],
    None, None, None, note="no Python reference mapper")

ecephys, ecephys_job = ecephys_recording(repo, work)
row("map ecephys@1.0.0, 6 probes, 2 Record Nodes, 48 GB of sparse data",
    lambda: [rigmap, "map", "--mapper", "ecephys", "--input", ecephys, "--job", ecephys_job, "--output", fresh("ecephys")],
    lambda: [py_bench, os.path.join(repo, "Scripts/bench-ecephys.py"), ecephys, fresh("ecephys-py")],
    0.06, None, note="Python: probeinterface + aind-data-schema")

spim, spim_job, spim_reference_job = spim_acquisition(repo, work)
row("map spim@1.0.0, 10,000 tiles (12 MB, validated)",
    lambda: [rigmap, "map", "--mapper", "spim", "--input", spim, "--job", spim_job, "--output", fresh("spim")],
    lambda: [py_schemas, os.path.join(repo, "Scripts/spim-reference.py"), spim, spim_reference_job, fresh("spim-py") + ".json"],
    0.3, None, note="Python: SPEC §6 with aind-data-schema")

batch_root = fip_batch(repo, work, 1000)
row("batch, 1,000 FIP sessions (map + merge + validate + write)",
    lambda: [rigmap, "batch", batch_root, "--job", job, "--output", fresh("batch")],
    lambda: [py_mapper, os.path.join(repo, "Scripts/bench-batch.py"), batch_root, fresh("batch-py")],
    None, 100, n=max(1, min(runs, 3)), note="Python: FIPMapper + merge in one process")

shutil.rmtree(work, ignore_errors=True)
cpu = ""
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except Exception:
    pass
print("rigmap vs Python reference — %s, %s, %d cores%s, medians of paired whole-process runs" % (
    datetime.date.today().isoformat(), platform.node() or "this machine", os.cpu_count() or 0, (", " + cpu) if cpu else ""))
print()
print("| job | rigmap | Python reference | ratio | goal | met |")
print("|---|---|---|---|---|---|")
for name, r, p, goal_time, goal_ratio, note in rows:
    ratio = (p / r) if p else None
    goal = " and ".join(x for x in ["≤ %s" % ("%.0f ms" % (goal_time * 1000) if goal_time < 1 else "%.2f s" % goal_time) if goal_time else "",
                                    "≥ %d×" % goal_ratio if goal_ratio else ""] if x) or "—"
    met = (goal_time is None or r <= goal_time) and (goal_ratio is None or (ratio is not None and ratio >= goal_ratio))
    fmt = lambda t: "%.0f ms" % (t * 1000) if t < 1 else "%.2f s" % t
    print("| %s | %s | %s | %s | %s | %s |" % (name, fmt(r), (fmt(p) + (" (%s)" % note if note else "")) if p else "— (%s)" % note,
                                             "%.1f×" % ratio if ratio else "—", goal, "yes" if met and goal != "—" else ("no" if goal != "—" else "")))
