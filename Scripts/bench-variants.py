"""Paired whole-process timings of several rigmap binaries or settings on the same inputs (no Python reference).

Used for the measurements behind "one path per job" (CHANGELOG 0.6.0): a path kept or removed is timed with and
without it, each row running every variant in turn, RUNS times, so all variants see the same machine state.

Usage: python3 Scripts/bench-variants.py RUNS NAME=BINARY[,ENV=VALUE...] NAME=BINARY[,ENV=VALUE...] ...
Example: python3 Scripts/bench-variants.py 15 now=.build-release/release/rigmap old=/tmp/rigmap-0.5.0
Prints, per row, each variant's median and minimum, and the median's ratio to the first variant's.   (not a test)
"""
import copy
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
runs = int(sys.argv[1])
variants = []
for spec in sys.argv[2:]:
    name, rest = spec.split("=", 1)
    parts = rest.split(",")
    env = dict(os.environ)
    env.update(dict(p.split("=", 1) for p in parts[1:]))
    variants.append((name, os.path.abspath(parts[0]), env))
work = tempfile.mkdtemp(prefix="rigmap-variants-")
counter = [0]


def fresh(name):
    counter[0] += 1
    return os.path.join(work, "out-%s-%d" % (name, counter[0]))


def timed(command, env):
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 3):
        sys.stderr.write("FAILED (%d): %s\n%s\n" % (result.returncode, " ".join(command), result.stderr.decode(errors="replace")[-600:]))
    return elapsed


def instrument(count, rig):
    example = json.load(open(os.path.join(repo, "Tests/MetadataModelTests/Fixtures/examples/fip_behavior_instrument.json")))
    by_name = {c["name"]: c for c in example["components"]}
    clock = copy.deepcopy(by_name["Harp Behavior"])
    clock.update({"name": "Harp ClockGenerator", "is_clock_generator": True, "channels": []})
    components = [clock]
    for i in range(count - 1):
        led = copy.deepcopy(by_name["470nm LED"])
        led.update({"name": "%s LED %d" % (rig, i), "serial_number": str(i)})
        components.append(led)
    doc = copy.deepcopy(example)
    doc.update({"instrument_id": "RIG_%s" % rig, "modalities": [{"name": "Behavior", "abbreviation": "behavior"}], "calibrations": None,
                "connections": [], "components": components})
    return doc


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


rows = []


def row(name, command, n=runs):
    os.sync()
    for _, binary, env in variants:
        timed(command(binary), env)
    times = {v[0]: [] for v in variants}
    for _ in range(n):
        for vname, binary, env in variants:
            times[vname].append(timed(command(binary), env))
    rows.append((name, times))
    sys.stderr.write("  %s: %s\n" % (name, ", ".join("%s %.4f s" % (k, statistics.median(t)) for k, t in times.items())))


fip = os.path.join(repo, "Examples/fip-session")
job = os.path.join(fip, "job.yaml")
for rig in ("A", "B"):
    write(os.path.join(work, "merge/instrument_%s.json" % rig), json.dumps(instrument(10000, rig), indent=3))
write(os.path.join(work, "validate/instrument.json"), json.dumps(instrument(20000, "V"), indent=3))
subprocess.run([sys.executable, os.path.join(repo, "Scripts/make-ecephys-recording.py"), os.path.join(work, "ecephys"), "--probes", "6", "--np2", "2",
                "--record-nodes", "2", "--nidaq", "--sparse-seconds", "340", "--start", "2024-03-05T09:05:03", "--utc-offset=-08:00"], stdout=subprocess.DEVNULL)
ecephys = os.path.join(work, "ecephys", "700001_2024-03-05_09-04-33")
write(os.path.join(work, "ecephys-job.yaml"), "timezone: America/Los_Angeles\n")
subprocess.run([sys.executable, os.path.join(repo, "Scripts/make-smartspim-acquisition.py"), "--out-dir", os.path.join(work, "spim"), "--tiles", "10000",
                "--exact", "--no-stack-dirs", "--job-config", os.path.join(work, "spim/job.json")], stdout=subprocess.DEVNULL)
spim = os.path.join(work, "spim", "SmartSPIM_000000_2024-05-01_10-00-00")
spim_job = json.load(open(os.path.join(work, "spim/job.json")))
settings = {k: v for k, v in spim_job.items() if k not in ("subject_id", "timezone", "imaging_channels", "stitching_channels", "ccf_registration_channels",
                                                           "cell_segmentation_channels")}
write(os.path.join(work, "spim-job.yaml"), json.dumps({"timezone": "America/Los_Angeles", "mappers": {"spim": {"settings": settings}}}))
batch_root = os.path.join(work, "batch")
for i in range(300):
    folder = os.path.join(batch_root, "s%04d" % i)
    os.makedirs(folder)
    for name in ("fip.json", "acquisition_behavior.json", "instrument_behavior.json", "instrument_fip.json"):
        shutil.copy(os.path.join(fip, name), folder)

sys.stderr.write("rows (%d paired runs each, variants %s):\n" % (runs, ", ".join(v[0] for v in variants)))
row("map fiber, one asset", lambda b: [b, "map", "--mapper", "fiber", "--input", os.path.join(fip, "fip.json"), "--job", job, "--output", fresh("map")])
row("validate 20,000 components", lambda b: [b, "validate", os.path.join(work, "validate/instrument.json")])
row("merge 2 x 10,000 components", lambda b: [b, "merge", os.path.join(work, "merge/instrument_A.json"), os.path.join(work, "merge/instrument_B.json"),
                                              "--output", fresh("merge") + ".json"])
row("map ecephys, 6 probes", lambda b: [b, "map", "--mapper", "ecephys", "--input", ecephys, "--job", os.path.join(work, "ecephys-job.yaml"), "--output", fresh("ecephys")])
row("map spim, 10,000 tiles", lambda b: [b, "map", "--mapper", "spim", "--input", spim, "--job", os.path.join(work, "spim-job.yaml"), "--output", fresh("spim")])
row("batch, 300 FIP sessions", lambda b: [b, "batch", batch_root, "--job", job, "--output", fresh("batch")], n=max(1, min(runs, 5)))
shutil.rmtree(work, ignore_errors=True)

first = variants[0][0]
print("| job | " + " | ".join("%s median (min)" % v[0] for v in variants) + " | " + " | ".join("%s / %s" % (v[0], first) for v in variants[1:]) + " |")
print("|---|" + "---|" * (2 * len(variants) - 1))
fmt = lambda t: "%.1f ms" % (t * 1000) if t < 1 else "%.2f s" % t
for name, times in rows:
    base = statistics.median(times[first])
    print("| %s | %s | %s |" % (name, " | ".join("%s (%s)" % (fmt(statistics.median(t)), fmt(min(t))) for t in times.values()),
                                " | ".join("%.2f" % (statistics.median(times[v[0]]) / base) for v in variants[1:])))
