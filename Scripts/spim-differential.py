"""spim@1.0.0 against the Python reference mapping on generated acquisitions it has not seen.

Generates seeded SmartSPIM folders with Scripts/make-smartspim-acquisition.py (tile counts, lasers, subjects, key
spellings and encodings, values as strings or numbers, legacy files, power units, CRLF and damaged ASI logs, runs
across midnight and DST, channel folders without tiles, stray entries, and the faults a mapper must refuse), maps each
with `rigmap map --mapper spim` and with Scripts/spim-reference.py (SPEC §6 written with aind-data-schema 2.9.2's
models, which validate what they build), and requires the same bytes, or both refusing.

Usage: python spim-differential.py RIGMAP_BINARY [CASES]     (run by Scripts/spim-differential)
Exit status: 1 if any case differs.
"""
import json
import os
import random
import subprocess
import sys
import tempfile

rigmap = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 40
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
generator = os.path.join(repo, "Scripts", "make-smartspim-acquisition.py")
reference = os.path.join(repo, "Scripts", "spim-reference.py")
rng = random.Random(int(os.environ.get("SEED", "20261129")))


def variant(n):
    options = ["--seed", str(n + 1), "--tiles", str(rng.choice([1, 6, 20, 37, 120, 400])), "--no-stack-dirs"]
    if rng.random() < 0.3:
        options.append("--exact")
    options += ["--lasers", rng.choice(["488,561,639", "488", "445,594,785", "561,639", "405,488,561,639"])]
    options += ["--subject", rng.choice(["000000", "695464", "819682-screen", "ab12"])]
    start, end = rng.choice([
        ("2024-05-01 10:00:00", None), ("2023-10-18 20:30:30", "2023-10-19 01:48:09"), ("2024-11-03 00:40:00", "2024-11-03 01:20:00"),
        ("2024-03-09 23:00:00", "2024-03-10 04:00:00"), ("2024-12-31 23:10:00", "2025-01-01 00:30:00"), ("2024-05-01 11:30:00", "2024-05-01 12:07:41"),
    ])
    options += ["--start", start] + (["--end", end] if end else [])
    if rng.random() < 0.25:
        options += ["--key-style", "legacy"]
    options += ["--micro-key", rng.choice(["µ", "μ", "replacement", "um", "m"]), "--encoding", rng.choice(["latin-1", "utf-8"])]
    if rng.random() < 0.3:
        options.append("--numbers")
    if rng.random() < 0.15:
        options += ["--power-unit", rng.choice(["milliwatt", "mw", "microwatt"])]
    if rng.random() < 0.3:
        options.append("--crlf")
    if rng.random() < 0.25:
        options += ["--asi-fault", rng.choice(["missing", "empty", "garbage-tail", "no-timestamps", "non-utf8"])]
    if rng.random() < 0.2:
        options += ["--metadata-fault", rng.choice(["truncated", "null-section", "missing-pixel-size", "missing-z-step", "unknown-laser", "missing",
                                                    "null-wavelength-config"])]
    if rng.random() < 0.2:
        options += ["--extra-channel-folder", "594:624"]
    if rng.random() < 0.2:
        options.append("--stray-entries")
    if rng.random() < 0.15:
        options += ["--job-end", "2024-05-01 12:30:00"]
    return options


same = both_refused = different = intended = 0
with tempfile.TemporaryDirectory() as work:
    for n in range(count):
        options = variant(n)
        case = os.path.join(work, "c%d" % n)
        job_json = os.path.join(case, "job.json")
        generated = subprocess.run([sys.executable, generator, "--out-dir", case, "--job-config", job_json] + options, capture_output=True, text=True)
        if generated.returncode != 0:
            print("SKIP case %d: the generator refused %s: %s" % (n, options, generated.stderr.strip().splitlines()[-1:]))
            continue
        folder = next(os.path.join(case, d) for d in os.listdir(case) if d.startswith("SmartSPIM_") and os.path.isdir(os.path.join(case, d)))
        job = json.load(open(job_json))
        settings = {k: v for k, v in job.items() if k not in ("subject_id", "timezone", "imaging_channels", "stitching_channels",
                                                               "ccf_registration_channels", "cell_segmentation_channels")}
        job_yaml = os.path.join(case, "job.yaml")
        with open(job_yaml, "w") as f:
            json.dump({"timezone": job.get("timezone", "America/Los_Angeles"), "mappers": {"spim": {"settings": settings}}}, f)
        ours = subprocess.run([rigmap, "map", "--mapper", "spim", "--input", folder, "--job", job_yaml, "--output", os.path.join(case, "out")],
                              capture_output=True, text=True)
        theirs = subprocess.run([sys.executable, reference, folder, job_json, os.path.join(case, "ref.json")], capture_output=True, text=True)
        label = "case %d (%s)" % (n, " ".join(options))
        if "null-wavelength-config" in options:
            # Intended difference: the issue asks for channels without laser power (and a warning); the reference
            # refuses the file.
            if ours.returncode == 0 and "'wavelength_config' is null" in ours.stderr:
                intended += 1
            else:
                different += 1
                print("DIFFERENT %s: a null wavelength_config must map without power, with a warning: %s" % (label, ours.stderr.strip()[-200:]))
            continue
        if ours.returncode != 0 and theirs.returncode != 0:
            both_refused += 1
            continue
        if ours.returncode != 0 or theirs.returncode != 0:
            different += 1
            print("DIFFERENT %s: rigmap %s, reference %s" % (
                label, "refused: %s" % [l for l in ours.stderr.splitlines() if "error" in l][:2] if ours.returncode else "mapped",
                "refused: %s" % theirs.stderr.strip().splitlines()[-1:] if theirs.returncode else "mapped"))
            continue
        mine = open(os.path.join(case, "out", "acquisition_spim.json"), "rb").read()
        ref = open(os.path.join(case, "ref.json"), "rb").read().rstrip(b"\n")
        if mine == ref:
            same += 1
        else:
            different += 1
            a, b = mine.decode().splitlines(), ref.decode().splitlines()
            line = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            print("DIFFERENT %s: first difference at line %d: %r vs %r" % (label, line + 1, a[line] if line < len(a) else None, b[line] if line < len(b) else None))
print("spim@1.0.0 differential: %d generated acquisitions, %d byte-identical to the reference, %d refused by both, "
      "%d mapped without power where the reference refuses a null wavelength_config (intended), %d different"
      % (count, same, both_refused, intended, different))
sys.exit(1 if different else 0)
