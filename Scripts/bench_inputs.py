"""The generated inputs of the benchmark scripts (Scripts/bench-compare.py, Scripts/bench-variants.py), made one way.

Each function writes under `work` and returns the paths a row needs; `repo` is the package root.
"""
import copy
import json
import os
import shutil
import subprocess
import sys


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def instrument(repo, count, rig):
    """An aind-data-schema 2.9.2 instrument of `count` components: one Harp clock generator and LEDs named by `rig`."""
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


def ecephys_recording(repo, work):
    """A 6-probe Open Ephys recording, 2 Record Nodes, 48 GB of sparse data; returns (folder, job file)."""
    subprocess.run([sys.executable, os.path.join(repo, "Scripts/make-ecephys-recording.py"), os.path.join(work, "ecephys"), "--probes", "6", "--np2", "2",
                    "--record-nodes", "2", "--nidaq", "--sparse-seconds", "340", "--start", "2024-03-05T09:05:03", "--utc-offset=-08:00"],
                   stdout=subprocess.DEVNULL)
    job = os.path.join(work, "ecephys-job.yaml")
    write(job, "timezone: America/Los_Angeles\n")
    return os.path.join(work, "ecephys", "700001_2024-03-05_09-04-33"), job


def spim_acquisition(repo, work):
    """A 10,000-tile SmartSPIM folder; returns (folder, rigmap job file, the generator's job.json for the reference)."""
    subprocess.run([sys.executable, os.path.join(repo, "Scripts/make-smartspim-acquisition.py"), "--out-dir", os.path.join(work, "spim"), "--tiles", "10000",
                    "--exact", "--no-stack-dirs", "--job-config", os.path.join(work, "spim/job.json")], stdout=subprocess.DEVNULL)
    generated = json.load(open(os.path.join(work, "spim/job.json")))
    settings = {k: v for k, v in generated.items() if k not in ("subject_id", "timezone", "imaging_channels", "stitching_channels",
                                                               "ccf_registration_channels", "cell_segmentation_channels")}
    job = os.path.join(work, "spim-job.yaml")
    write(job, json.dumps({"timezone": "America/Los_Angeles", "mappers": {"spim": {"settings": settings}}}))
    return os.path.join(work, "spim", "SmartSPIM_000000_2024-05-01_10-00-00"), job, os.path.join(work, "spim/job.json")


def fip_batch(repo, work, count):
    """`count` copies of Examples/fip-session, one folder each; returns the batch root."""
    fip = os.path.join(repo, "Examples/fip-session")
    root = os.path.join(work, "batch")
    for i in range(count):
        folder = os.path.join(root, "s%04d" % i)
        os.makedirs(folder)
        for name in ("fip.json", "acquisition_behavior.json", "instrument_behavior.json", "instrument_fip.json"):
            shutil.copy(os.path.join(fip, name), folder)
    return root
