"""Wraps a real Open Ephys settings.xml (which comes without its recording) into a minimal recording the ecephys
mapper can read: the settings file copied byte for byte into each Record Node the file declares, and for each node
experiment1/recording1/ with a structure.oebin listing the streams that node records, a sync_messages.txt, and
`sample_numbers.npy` headers. Stdlib only. Used by Scripts/make-ecephys-fixtures to make the ecephys test fixtures from the real
settings files (see Tests/Mappers/EcephysMapperTests/Fixtures/README.md).

    python3 Scripts/wrap-ecephys-settings.py SETTINGS.xml OUT_SESSION_DIR [options]
      --utc-offset -08:00   the rig's offset at DATE: Software Time = DATE - offset (default: no sync_messages.txt)
      --samples N           samples per 30 kHz stream (LFP N//12; default 0)
      --extra-settings F:E  also copy F as settings_E.xml into every node (a later experiment), with its own
                            experimentE/recording1 (repeatable)
      --nodes 101,103       Record Node ids to write (default: every Record Node of the file; a file without one, 101)
      --node-folder-format "Record Node {id}"   folder name of a node
"""
import argparse
import datetime
import json
import os
import shutil
import struct
import xml.etree.ElementTree as ET

SOURCES = ("Neuropix-PXI", "OneBox", "NI-DAQmx")


def npy(path, count, first):
    header = "{'descr': '<i8', 'fortran_order': False, 'shape': (%d,), }" % count
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(b"".join(struct.pack("<q", first + i) for i in range(count)))


def processors(root):
    for chain in root.iter("SIGNALCHAIN"):
        for p in chain.findall("PROCESSOR"):
            yield p, p.get("name", "").split("/")[-1], p.get("nodeId") or p.get("NodeId")


def recorded_streams(root, node_id):
    """Streams a Record Node records: recording_state != NONE (GUI 0.6); every stream when the file does not say."""
    for p, name, nid in processors(root):
        if name == "Record Node" and nid == node_id:
            states = {s.get("name"): s.get("recording_state") for s in p.findall("CUSTOM_PARAMETERS/STREAM") if s.get("name")}
            if states:
                return {n for n, st in states.items() if st != "NONE"}
    return None


def write_experiment(settings_path, node_dir, experiment, node_id, args, legacy):
    root = ET.parse(settings_path).getroot()
    recorded = recorded_streams(root, node_id)
    rec_dir = os.path.join(node_dir, "experiment%d" % experiment, "recording1")
    os.makedirs(rec_dir, exist_ok=True)
    continuous, sync = [], []
    for p, name, nid in processors(root):
        if name not in SOURCES:
            continue
        streams = p.findall("STREAM")
        if not streams and legacy:  # GUI 0.5: one sub-processor per probe, no stream names
            for i, _ in enumerate(p.iter("NP_PROBE")):
                continuous.append({"folder_name": "%s-%s.%d/" % (name, nid, i), "sample_rate": 30000.0, "source_processor_name": name,
                                   "source_processor_id": int(nid), "source_processor_sub_idx": i, "recorded_processor": "Record Node",
                                   "recorded_processor_id": int(node_id), "num_channels": 384, "channels": []})
            continue
        for s in streams:
            stream, rate = s.get("name"), float(s.get("sample_rate"))
            first = int(30.0 * rate)
            sync.append("Start Time for %s (%s) - %s @ %s Hz: %d" % (name, nid, stream, ("%g" % rate), first))
            if recorded is not None and stream not in recorded:
                continue
            folder = "%s-%s.%s" % (name, nid, stream)
            continuous.append({"folder_name": folder + "/", "sample_rate": rate, "source_processor_name": name, "source_processor_id": int(nid),
                               "stream_name": stream, "recorded_processor": "Record Node", "recorded_processor_id": int(node_id),
                               "num_channels": int(s.get("channel_count")), "channels": []})
            data = os.path.join(rec_dir, "continuous", folder)
            os.makedirs(data, exist_ok=True)
            count = args.samples if rate >= 10000 else args.samples // 12
            npy(os.path.join(data, "sample_numbers.npy"), count, first)
            open(os.path.join(data, "continuous.dat"), "wb").close()
    version = (root.findtext("INFO/VERSION") or "0.6.7").strip()
    with open(os.path.join(rec_dir, "structure.oebin"), "w", newline="\r\n") as f:
        json.dump({"GUI version": version, "continuous": continuous, "events": [], "spikes": []}, f, indent=2)
    if args.utc_offset and not legacy:
        date = datetime.datetime.strptime((root.findtext("INFO/DATE") or "").strip(), "%d %b %Y %H:%M:%S")
        sign = -1 if args.utc_offset.startswith("-") else 1
        hours, minutes = map(int, args.utc_offset.lstrip("+-").split(":"))
        utc = date - sign * datetime.timedelta(hours=hours, minutes=minutes)
        ms = int(utc.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000) + 250
        with open(os.path.join(rec_dir, "sync_messages.txt"), "w", newline="") as f:
            f.write("".join(line + "\r\n" for line in ["Software Time (milliseconds since midnight Jan 1st 1970 UTC): %d" % ms] + sync))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("settings")
    parser.add_argument("out")
    parser.add_argument("--utc-offset")
    parser.add_argument("--samples", type=int, default=0)
    parser.add_argument("--extra-settings", action="append", default=[])
    parser.add_argument("--nodes")
    parser.add_argument("--node-folder-format", default="Record Node {id}")
    args = parser.parse_args()
    root = ET.parse(args.settings).getroot()
    legacy = (root.findtext("INFO/VERSION") or "").strip().startswith("0.5")
    ids = args.nodes.split(",") if args.nodes else [nid for _, name, nid in processors(root) if name == "Record Node"] or ["101"]
    for node_id in ids:
        node_dir = os.path.join(args.out, args.node_folder_format.format(id=node_id))
        os.makedirs(node_dir, exist_ok=True)
        shutil.copyfile(args.settings, os.path.join(node_dir, "settings.xml"))
        write_experiment(args.settings, node_dir, 1, node_id, args, legacy)
        for extra in args.extra_settings:
            path, experiment = extra.rsplit(":", 1)
            shutil.copyfile(path, os.path.join(node_dir, "settings_%s.xml" % experiment))
            write_experiment(path, node_dir, int(experiment), node_id, args, legacy)


main()
