#!/usr/bin/env python3
"""Seeds of the mapper-level fuzz targets (Fuzz/targets/map-*.swift) and of the paths target, and a tool for the
session archives the mapper-level targets read.

    python3 Fuzz/make-seeds.py                     rebuild Fuzz/corpus/map-*/seed-* from the committed fixtures
                                                   (and Fuzz/corpus/paths/seed-*)
    python3 Fuzz/make-seeds.py unpack ARCHIVE DIR  write the session an archive holds into DIR (a crash input
                                                   becomes a folder a regression test can map); prints the job
                                                   and the --input path
    python3 Fuzz/make-seeds.py pack DIR INPUT JOB OUT   an archive of DIR (INPUT relative to DIR, JOB a file)

The archive format is described in Fuzz/support/SessionArchive.swift. Seeds are small copies of the fixtures:
structure.oebin channel lists cut to two entries (the mapper never reads them), continuous.dat stored as sparse
records (only their size is read), the ASI log cut to its tail. Each corpus stays far below 1 MB. Standard library
only; deterministic output.
"""
import json
import os
import struct
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAGIC = b"RIGMAP-FUZZ-SESSION 1\n"
FIXTURES = os.path.join(REPO, "Tests", "Mappers")

SPIM_JOB = """timezone: America/Los_Angeles
mappers:
  spim:
    settings:
      specimen_id: 000000-BRN00000148
      instrument_id: 440_SmartSPIM1_20240327
      experimenters: [Jane Doe]
      protocol_id: ["https://dx.doi.org/10.17504/protocols.io.3byl4jo1rlo5/v1"]
      chamber_immersion: {medium: Cargille Oil 1.5200, refractive_index: 1.5182}
      sample_immersion: {medium: EasyIndex, refractive_index: 1.5177}
      laser_device_names: {"488": Ex_488, "561": Ex_561, "639": Ex_639}
      emission_filter_device_names: {"488": Em_525, "561": Em_600, "639": Em_680}
"""
TZ_JOB = "timezone: America/Los_Angeles\n"


def escape(path: bytes) -> bytes:
    out = bytearray()
    for b in path:
        if b < 0x20 or b == 0x7F or b == 0x25:
            out += b"%%%02X" % b
        else:
            out.append(b)
    return bytes(out)


def unescape(path: bytes) -> bytes:
    return re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), path)


def record(kind: str, data: bytes, arg: int, path: bytes) -> bytes:
    return kind.encode() + b" %d %d " % (len(data), arg) + escape(path) + b"\n" + data + b"\n"


def parse(archive: bytes):
    """(job, input, [[kind, data, arg, path]]) of an archive."""
    if not archive.startswith(MAGIC):
        sys.exit("not a session archive")
    at = len(MAGIC)
    job, input_path, entries = b"", b"", []
    while at < len(archive):
        newline = archive.find(b"\n", at)
        if newline < 0:
            break
        fields = archive[at:newline].split(b" ", 3)
        if len(fields) != 4 or not fields[1].isdigit() or not fields[2].isdigit():
            break
        kind, size, arg, path = fields[0].decode(), int(fields[1]), int(fields[2]), unescape(fields[3])
        data = archive[newline + 1:newline + 1 + size]
        at = newline + 1 + size
        if archive[at:at + 1] == b"\n":
            at += 1
        if kind == "j":
            job = data
        elif kind == "i":
            input_path = data
        else:
            entries.append([kind, data, arg, path])
    return job, input_path, entries


def encode(job: bytes, input_path: bytes, entries) -> bytes:
    out = bytearray(MAGIC) + record("j", job, 0, b"-") + record("i", input_path, 0, b"-")
    for kind, data, arg, path in entries:
        out += record(kind, data, arg, path)
    return bytes(out)


def pack(root, entries_root, input_path, job, shrink=None):
    """The archive of the tree `entries_root` (paths relative to `root`)."""
    out = bytearray(MAGIC)
    out += record("j", job.encode(), 0, b"-")
    out += record("i", input_path.encode(), 0, b"-")
    for dirpath, dirnames, filenames in os.walk(entries_root):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir != "." and not dirnames and not filenames:
            out += record("d", b"", 0, rel_dir.encode())
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).encode()
            if os.path.islink(full):
                out += record("l", os.readlink(full).encode(), 0, rel)
                continue
            with open(full, "rb") as f:
                data = f.read()
            if name == "continuous.dat":
                out += record("s", b"", len(data), rel)
                continue
            if shrink:
                data = shrink(name, data)
            out += record("f", data, 0, rel)
    return bytes(out)


def unpack(archive: bytes, folder: str):
    job, input_path, entries = parse(archive)
    os.makedirs(folder, exist_ok=True)
    for kind, data, arg, path in entries:
        parts = path.split(b"/")
        if path.startswith(b"/") or any(p in (b"", b".", b"..") for p in parts):
            continue
        target = os.path.join(folder.encode(), path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if kind == "d":
            os.makedirs(target, exist_ok=True)
        elif kind in ("f", "s"):
            with open(target, "wb") as f:
                f.write(data)
                if kind == "s" and arg > len(data):
                    f.truncate(arg)
        elif kind == "l":
            os.symlink(data or b".", target)
        elif kind == "p":
            os.mkfifo(target)
    with open(os.path.join(folder, "job.yaml"), "wb") as f:
        f.write(job)
    print("job: %s/job.yaml" % folder)
    print("--input %s (relative to %s)" % (input_path.decode(errors="replace"), folder))


def shrink_oebin(name, data):
    """structure.oebin: each stream's channel list cut to two entries (the mapper omits `channels` when parsing)."""
    if name != "structure.oebin":
        return data
    document = json.loads(data)
    for key in ("continuous", "events", "spikes"):
        for stream in document.get(key, []) or []:
            if isinstance(stream, dict) and isinstance(stream.get("channels"), list):
                stream["channels"] = stream["channels"][:2]
    return (json.dumps(document, indent=2) + "\n").encode()


def write_seed(target, name, data):
    folder = os.path.join(REPO, "Fuzz", "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    print("%s/%s: %d bytes" % (target, name, len(data)))


def copy_tree(source, destination):
    shutil.copytree(source, destination, symlinks=True)


# The alphabet of Fuzz/targets/paths.swift (same order): a byte below 0xF0 picks tokens[byte % len(tokens)], 0xF0
# ends an argument; the first byte picks the command (0 map, 1 gather, 2 merge, 3 validate, 4 the path helpers), the
# second the mapper of a map.
PATH_TOKENS = ["f", "s", "j", "a", "b", "é", "l", "loop", "p", "o", "x.json", "y.json", ".", "..", "/", "//", "/", "fip.json", "\n", " ", "-",
               "~", "\ufffd", "Zoë", "L" * 255, "M" * 256, "acquisition_fiber.json", "rigmap.lock", "*", "s/", "./", "../", "\t", "ABS", "o/",
               "a/b/"]
PATH_SEEDS = {
    "map-file": (0, 0, [["f"], ["o"], ["j"]]),
    "map-session-file": (0, 1, [["s", "/", "fip.json"], ["a/b/", "o"], ["j"]]),
    "map-absolute": (0, 0, [["ABS", "/", "é", "/", "fip.json"], ["ABS", "/", "o"], ["ABS", "/", "j"]]),
    "map-into-input-folder": (0, 0, [["s", "/", "fip.json"], ["s/"], ["j"]]),
    "gather": (1, 0, [["s"], ["o"], ["j"]]),
    "gather-symlink": (1, 0, [["l", "/"], [".", "/", "o"], ["./", "j"]]),
    "merge": (2, 0, [["x.json"], ["y.json"], ["o"]]),
    "merge-one": (2, 0, [["x.json"], ["a", "/", "o"]]),
    "merge-report": (2, 0, [["x.json"], ["x.json"], ["a/b/", "o"], ["o", "/", "..", "/", "x.json"]]),
    "validate": (3, 0, [["x.json"], ["y.json"], ["f"], ["p"], ["loop"]]),
    "helpers": (4, 0, [["."], [".."], ["/"], ["s/"], ["ABS", "/", "l"], ["b"]]),
}


def path_seed(command, mapper, arguments):
    out = bytearray([command, mapper])
    for i, argument in enumerate(arguments):
        if i:
            out.append(0xF0)
        out += bytes(PATH_TOKENS.index(token) for token in argument)
    return bytes(out)


def harp_message(message_type, address, payload_type, payload, seconds=None):
    """A Harp message (type, length, address, port 0xFF, payload type [| 0x10 with a time], [time], payload, checksum)."""
    body = bytes([address, 0xFF, payload_type | (0x10 if seconds is not None else 0)])
    if seconds is not None:
        body += struct.pack("<IH", seconds, 0)
    body += payload
    raw = bytes([message_type, len(body) + 1]) + body
    return raw + bytes([sum(raw) & 0xFF])


def edit(entries, suffix, change, first_only=True):
    """Applies change(data) -> data to the entries whose path ends with suffix; fails when none does."""
    hits = 0
    for entry in entries:
        if entry[3].endswith(suffix.encode()):
            changed = change(entry[1])
            if changed == entry[1]:
                sys.exit("edit of %s changed nothing" % suffix)
            entry[1] = changed
            hits += 1
            if first_only:
                break
    if not hits:
        sys.exit("no entry ends with %s" % suffix)


def sub(pattern, replacement, count=1):
    return lambda data: re.sub(pattern.encode(), replacement.encode(), data, count=count)


def npy_first_value(value):
    """A .npy file's first int64 replaced (the data starts after the header)."""
    def change(data):
        header_length = struct.unpack("<H", data[8:10])[0]
        start = 10 + header_length
        return data[:start] + struct.pack("<q", value) + data[start + 8:]
    return change


def json_set(data, key, value):
    """A JSON object file with one member replaced."""
    document = json.loads(data)
    document[key] = value
    return (json.dumps(document, indent=2) + "\n").encode()


def regressions():
    """The crash inputs of issue 23 as session archives: mapped on every fuzz run (and mutated from there)."""
    corpus = os.path.join(REPO, "Fuzz", "corpus")

    def base(target, name):
        with open(os.path.join(corpus, target, name), "rb") as f:
            return parse(f.read())

    def write(target, name, job, input_path, entries):
        write_seed(target, "regression-" + name, encode(job, input_path, entries))

    probe = "continuous/Neuropix-PXI-100.ProbeA-AP/"
    cases = {
        # shape[0] = Int64.max: the duration in µs overflowed.
        "npy-shape-int64-max": ("recording1/" + probe + "sample_numbers.npy", sub(r"'shape': \(\d+,\)", "'shape': (9223372036854775807,)")),
        # A sample rate of 1e-300: the Double → Int64 conversion of the duration trapped.
        "oebin-rate-1e-300": ("recording1/structure.oebin", sub(r'"sample_rate": 30000.0', '"sample_rate": 1e-300')),
        # Software Time Int64.max: ms × 1000 overflowed.
        "sync-software-time-int64-max": ("recording1/sync_messages.txt", sub(r"(UTC\): )\d+", r"\g<1>9223372036854775807")),
    }
    for name, (suffix, change) in cases.items():
        job, input_path, entries = base("map-ecephys", "seed-generated-one-probe")
        edit(entries, suffix, change)
        write("map-ecephys", name, job, input_path, entries)
    # num_channels 2^62 and no .npy files: 2 × channels overflowed.
    job, input_path, entries = base("map-ecephys", "seed-generated-one-probe")
    edit(entries, "recording1/structure.oebin", sub(r'"num_channels": 384', '"num_channels": 4611686018427387904'))
    entries = [e for e in entries if not (probe.encode() in e[3] and e[3].endswith(b".npy"))]
    write("map-ecephys", "num-channels-2-62-no-npy", job, input_path, entries)
    # A later recording without Software Time placed by first sample numbers Int64.min and Int64.max: the shift
    # between them overflowed.
    job, input_path, entries = base("map-ecephys", "seed-generated-one-probe")
    node = "Record Node 101/experiment1/"
    edit(entries, node + "recording1/sync_messages.txt", sub(r"(ProbeA-AP @ 30000 Hz: )\d+", r"\g<1>-9223372036854775808"))
    edit(entries, node + "recording2/sync_messages.txt", sub(r"Software Time[^\n]*\n", ""))
    edit(entries, node + "recording2/sync_messages.txt", sub(r"(ProbeA-AP @ 30000 Hz: )\d+", r"\g<1>9223372036854775807"))
    write("map-ecephys", "first-samples-int64-min-max", job, input_path, entries)

    # Found by map-ecephys: a structure.oebin whose `continuous` is not a list was read as "nothing recorded", and an
    # experiment without probe streams failed with an error naming no file.
    job, input_path, entries = base("map-ecephys", "seed-generated-one-probe")
    edit(entries, "recording1/structure.oebin", lambda data: json_set(data, "continuous", 9223372036854775807))
    write("map-ecephys", "oebin-continuous-not-a-list", job, input_path, entries)
    job, input_path, entries = base("map-ecephys", "seed-generated-one-probe")
    for recording in ("recording1", "recording2"):
        edit(entries, recording + "/structure.oebin", lambda data: json_set(data, "continuous", []))
    write("map-ecephys", "experiment-without-probe-streams", job, input_path, entries)

    # Behavior: a core register (SerialNumber, U16) answered as U64 ≥ 2^63; software event times ±1e300 (no data).
    job, input_path, entries = base("map-behavior", "seed-session")
    edit(entries, "Behavior.harp/Behavior_13.bin", lambda data: harp_message(1, 13, 0x08, struct.pack("<Q", 1 << 63), seconds=1000))
    write("map-behavior", "register-u64-2-63", job, input_path, entries)
    for name, value in (("event-timestamp-1e300", "1e300"), ("event-timestamp-minus-1e300", "-1e300")):
        # Without `data`, the event's time is its Harp timestamp (seconds → µs overflowed).
        job, input_path, entries = base("map-behavior", "seed-session")
        line = '{"name":"StartSessionTime","timestamp":%s,"timestamp_source":"harp","data":null,"data_type":"null"}\n' % value
        edit(entries, "SoftwareEvents/StartSessionTime.json", lambda data: line.encode())
        write("map-behavior", name, job, input_path, entries)

    # SmartSPIM: non-finite tile coordinate, Z step and pixel size; an ASI log of 3 GB with no timestamp in its tail.
    job, input_path, entries = base("map-spim", "seed-sample")
    edit(entries, "derivatives/metadata.json", sub(r'"X": "471320"', '"X": "nan"'))
    edit(entries, "derivatives/metadata.json", sub(r'"Y": "701490"', '"Y": "1e999"'))
    edit(entries, "derivatives/metadata.json", sub(r'"Z": "1707"', '"Z": "inf"'))
    write("map-spim", "tile-non-finite", job, input_path, entries)
    job, input_path, entries = base("map-spim", "seed-sample")
    edit(entries, "derivatives/metadata.json", sub(r'"Z step \(([^)]*)\)": "2.00"', r'"Z step (\1)": "nan"'))
    edit(entries, "derivatives/metadata.json", sub(r'm/pix": "1.800"', 'm/pix": "Infinity"'))
    write("map-spim", "z-step-pixel-size-non-finite", job, input_path, entries)
    job, input_path, entries = base("map-spim", "seed-sample")
    for entry in entries:
        if entry[3].endswith(b"ASI_logging.txt"):
            entry[0], entry[2] = "s", 3 << 30
    write("map-spim", "asi-log-3gb-no-timestamp-in-tail", job, input_path, entries)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "unpack":
        with open(sys.argv[2], "rb") as f:
            unpack(f.read(), sys.argv[3])
        return
    if len(sys.argv) >= 2 and sys.argv[1] == "pack":
        root, input_path, job, out = sys.argv[2:6]
        with open(job) as f:
            text = f.read()
        with open(out, "wb") as f:
            f.write(pack(root, root, input_path, text))
        return

    for target in ("map-behavior", "map-ecephys", "map-spim", "map-fiber", "paths"):
        folder = os.path.join(REPO, "Fuzz", "corpus", target)
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            # regression-* inputs found by fuzzing are kept; the ones made below are rebuilt.
            if name.startswith("seed-") or (name.startswith("regression-") and target != "paths"):
                os.remove(os.path.join(folder, name))

    for name, (command, mapper, arguments) in PATH_SEEDS.items():
        write_seed("paths", "seed-" + name, path_seed(command, mapper, arguments))

    with tempfile.TemporaryDirectory() as tmp:
        # Behavior: the fixture sessions, mapped as a session and as its behavior/ folder.
        behavior = os.path.join(FIXTURES, "BehaviorMapperTests", "Fixtures")
        for fixture in ("session", "session-clocksync"):
            root = os.path.join(tmp, "behavior-" + fixture)
            copy_tree(os.path.join(behavior, fixture), os.path.join(root, "session"))
            write_seed("map-behavior", "seed-" + fixture, pack(root, root, "session", TZ_JOB))
        root = os.path.join(tmp, "behavior-folder")
        copy_tree(os.path.join(behavior, "session"), os.path.join(root, "session"))
        write_seed("map-behavior", "seed-behavior-folder", pack(root, root, "session/behavior", TZ_JOB))

        # Ecephys: the port-names fixture and the upstream example (channel lists cut), and two generated recordings
        # (one probe, GUI 0.6.7, two recordings; two Record Nodes, NI-DAQ, GUI 1.0.1, two recordings).
        ecephys = os.path.join(FIXTURES, "EcephysMapperTests", "Fixtures")
        for fixture, session, job in (
            ("generated/port-names-stale-lf", "2025-01-09_23-59-35", TZ_JOB + "mappers: {ecephys: {settings: {subject_id: '700001'}}}\n"),
            ("recording_example", "700001_2024-03-05_09-04-33", TZ_JOB),
        ):
            root = os.path.join(tmp, "ecephys-" + fixture.replace("/", "-"))
            copy_tree(os.path.join(ecephys, fixture, session), os.path.join(root, session))
            write_seed("map-ecephys", "seed-" + fixture.split("/")[-1], pack(root, root, session, job, shrink_oebin))
        generator = os.path.join(REPO, "Scripts", "make-ecephys-recording.py")
        for name, options in (
            ("seed-generated-one-probe", ["--probes", "1", "--recordings", "2", "--samples", "24", "--lf", "--seed", "3"]),
            ("seed-generated-two-nodes", ["--probes", "2", "--np2", "1", "--record-nodes", "2", "--nidaq", "--gui", "1.0.1", "--naming", "port",
                                          "--recordings", "2", "--samples", "24", "--seed", "5"]),
        ):
            out = os.path.join(tmp, name)
            subprocess.run([sys.executable, generator, out] + options, check=True, stdout=subprocess.DEVNULL)
            with open(os.path.join(out, "expected.json")) as f:
                session = json.load(f)["session_folder"]
            os.remove(os.path.join(out, "expected.json"))
            write_seed("map-ecephys", name, pack(out, out, session, TZ_JOB, shrink_oebin))

        # SmartSPIM: the sample acquisition, its ASI log cut to the last 40 lines.
        spim = os.path.join(FIXTURES, "SpimMapperTests", "Fixtures")
        name = "SmartSPIM_000000_2024-05-01_10-00-00"
        root = os.path.join(tmp, "spim")
        copy_tree(os.path.join(spim, name), os.path.join(root, name))
        log = os.path.join(root, name, "derivatives", "ASI_logging.txt")
        with open(log, "rb") as f:
            lines = f.read().split(b"\n")
        with open(log, "wb") as f:
            f.write(b"\n".join(lines[-40:]))
        write_seed("map-spim", "seed-sample", pack(root, root, name, SPIM_JOB))
        shutil.copyfile(os.path.join(spim, "real", "metadata_unicode_replacement_variant.json"), os.path.join(root, name, "derivatives", "metadata.json"))
        write_seed("map-spim", "seed-unicode-metadata", pack(root, root, name, SPIM_JOB))

        # Fiber: fip.json with its job, for both versions and the instrument.
        fiber = os.path.join(FIXTURES, "FiberMapperTests", "Fixtures")
        for case in ("mapper-1.4.0/case_000", "mapper-1.4.0/case_003", "mapper-1.4.0/case_005", "mapper-1.0.0/case_000", "mapper-1.0.0/case_002",
                     "instrument/case_000"):
            root = os.path.join(tmp, "fiber-" + case.replace("/", "-"))
            os.makedirs(root)
            shutil.copyfile(os.path.join(fiber, case, "fip.json"), os.path.join(root, "fip.json"))
            with open(os.path.join(fiber, case, "job.yaml")) as f:
                job = f.read()
            write_seed("map-fiber", "seed-" + case.replace("/", "-"), pack(root, root, "fip.json", job))

    regressions()


if __name__ == "__main__":
    main()
