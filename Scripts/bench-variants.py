"""Paired whole-process timings of several rigmap binaries or settings on the same inputs (no Python reference).

Used for the measurements behind "one path per job" (CHANGELOG 0.6.0): a path kept or removed is timed with and
without it, each row running every variant in turn, RUNS times, so all variants see the same machine state.

Usage: python3 Scripts/bench-variants.py RUNS NAME=BINARY[,ENV=VALUE...] NAME=BINARY[,ENV=VALUE...] ...
Example: python3 Scripts/bench-variants.py 15 now=.build-release/release/rigmap old=/tmp/rigmap-0.5.0
Prints, per row, each variant's median and minimum, and the median's ratio to the first variant's.   (not a test)
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench_inputs import ecephys_recording, fip_batch, instrument, spim_acquisition, write

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
    write(os.path.join(work, "merge/instrument_%s.json" % rig), json.dumps(instrument(repo, 10000, rig), indent=3))
write(os.path.join(work, "validate/instrument.json"), json.dumps(instrument(repo, 20000, "V"), indent=3))
ecephys, ecephys_job = ecephys_recording(repo, work)
spim, spim_job, _ = spim_acquisition(repo, work)
batch_root = fip_batch(repo, work, 300)

sys.stderr.write("rows (%d paired runs each, variants %s):\n" % (runs, ", ".join(v[0] for v in variants)))
row("map fiber, one asset", lambda b: [b, "map", "--mapper", "fiber", "--input", os.path.join(fip, "fip.json"), "--job", job, "--output", fresh("map")])
row("validate 20,000 components", lambda b: [b, "validate", os.path.join(work, "validate/instrument.json")])
row("merge 2 x 10,000 components", lambda b: [b, "merge", os.path.join(work, "merge/instrument_A.json"), os.path.join(work, "merge/instrument_B.json"),
                                              "--output", fresh("merge") + ".json"])
row("map ecephys, 6 probes", lambda b: [b, "map", "--mapper", "ecephys", "--input", ecephys, "--job", ecephys_job, "--output", fresh("ecephys")])
row("map spim, 10,000 tiles", lambda b: [b, "map", "--mapper", "spim", "--input", spim, "--job", spim_job, "--output", fresh("spim")])
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
