#!/usr/bin/env python3
"""Generates a synthetic SmartSPIM acquisition folder (AIND layout) for the SPIM mapper's tests.

Standard library only. The layout follows Docs/specs/spim.md sections 1-3 and 8 and imitates, byte for byte,
Tests/Mappers/SpimMapperTests/Fixtures/SmartSPIM_000000_2024-05-01_10-00-00/ (made by an upstream generator that is
not available) and, with --key-style legacy, the real legacy Tests/Mappers/SpimMapperTests/Fixtures/real/metadata.json:

    OUT/SmartSPIM_<subject>_<YYYY-MM-DD_HH-MM-SS>/
        SmartSPIM/Ex_<ex>_Em_<em>/<X>/<X>_<Y>/<zzzzzz>.png   1x1 16-bit grey PNG planes, names go up by 10*z_step
        derivatives/metadata.json                            Latin-1 by default (micro sign = byte 0xB5)
        derivatives/ASI_logging.txt                          M/D/YYYY h:mm:ss AM|PM<TAB>command<TAB>response
        derivatives/Ex_<ex>_Em_<em>_MIP/<X>/<X>_<Y>.png      maximum-intensity projections
    OUT/SmartSPIM_<subject>_<stamp>.expected.json            ground truth for a checker (not a SmartSPIM file)

    python3 Scripts/make-smartspim-acquisition.py --out-dir OUT [options]

    # the reference sample folder (plus its job config):
    python3 Scripts/make-smartspim-acquisition.py --out-dir /tmp/s --tiles 20 --end "2024-05-01 12:07:41" \\
        --job-config /tmp/s/job.json

Options (output is deterministic for the same arguments; --seed N != 0 varies positions, powers, Z, Z_Block,
z step and stack duration; seed 0, the default, gives the sample's values):
  --out-dir DIR             where the folder is written (an existing folder of the same name is replaced)
  --subject ID              subject id in the folder name (default 000000; any characters, e.g. 819682-screen)
  --start "Y-M-D H:M:S"     folder stamp, local wall time (default 2024-05-01 10:00:00)
  --end "Y-M-D H:M:S"       force the last ASI timestamp (default: start + 2 s + 319.125 s per tile stack)
  --tiles N                 approximate tile_config size, rounded up to columns (<= 4) x rows x lasers (20 -> 24)
  --exact                   exactly N tile_config entries (the last position may have only some lasers)
  --lasers 488,561,639      lasers of the tiles (emission: 405->450 445->469 488->525 514->560 561->600 594->624
                            639/640->680 690->700 785->810, others ex+40)
  --no-stack-dirs           no per-tile stack folders and no per-tile MIP files (channel folders are kept)
  --planes K                plane files per stack folder (default 2; 0 = empty stack folders)
  --key-style v5.4|legacy   v5.4 (default, like the sample: "Obj", "µm/pix", "Z step (µm)", "Version", ...) or legacy
                            like the real metadata.json (obj_name, z_step_um, z_block, v_res ..., every key sorted,
                            only the tile lasers in wavelength_config, no Version, trailing newline)
  --micro-key µ|μ|replacement|um|m
                            micro sign in key names: Latin-1 µ (default), Greek mu U+03BC, U+FFFD, "um", or dropped
                            ("m/pix", "Z step (m)"). A character the encoding cannot hold is written as a JSON \\u escape.
  --encoding latin-1|utf-8  metadata.json encoding (default latin-1)
  --numbers                 tile, session and power values as JSON numbers instead of strings
  --power-unit UNIT         wavelength_config entries get "power_unit": UNIT (e.g. milliwatt)
  --crlf                    CRLF line endings in ASI_logging.txt
  --asi-fault missing|empty|garbage-tail|no-timestamps|non-utf8
                            garbage-tail: non-timestamp lines with bytes 0xB5/0xFF after the last timestamp;
                            non-utf8: timestamped lines carrying 0xB0/0xB5/0xFF bytes, the last line included
  --metadata-fault truncated|null-section|missing-pixel-size|missing-z-step|unknown-laser|missing|null-wavelength-config
                            null-section: "tile_config": null; unknown-laser: an extra tile laser (532 nm) with no
                            channel folder, no stack/MIP folders and no wavelength_config entry
  --extra-channel-folder EX:EM   an (empty) channel folder with no tiles (repeatable)
  --stray-entries           SmartSPIM/nohup.out, SmartSPIM/desktop.ini, SmartSPIM/Ex_488_Ch0/, SmartSPIM/tmp/
  --job-config FILE         also write a job config like Tests/Mappers/SpimMapperTests/Fixtures/real/job_config_example.json
  --timezone TZ             timezone written in the job config (default America/Los_Angeles)
  --job-end "Y-M-D H:M:S"   put "acquisition_end_time" (local wall time, no offset) in the job config
  --seed N                  variations (default 0 = the sample's values)
"""
import argparse
import datetime as dt
import json
import os
import random
import shutil
import struct
import sys
import zlib

EMISSION = {405: 450, 445: 469, 488: 525, 514: 560, 561: 600, 594: 624, 639: 680, 640: 680, 690: 700, 785: 810}
RIG_LASERS = (445, 488, 561, 639, 785)  # wavelength_config lists every laser of the rig, used or not
SAMPLE_POWERS = {445: ("20.00", "20.00"), 488: ("75.00", "74.99"), 561: ("75.00", "75.00"),
                 639: ("100.00", "100.00"), 785: ("20.00", "20.00")}
MICRO = {"µ": "\u00b5", "μ": "\u03bc", "replacement": "\ufffd", "um": "u", "m": ""}
UNKNOWN_LASER_CANDIDATES = (532, 515, 610, 660)
STAMP = "%Y-%m-%d_%H-%M-%S"


def emission_for(ex):
    return EMISSION.get(ex, ex + 40)


def png_1x1_16bit(value=100):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 16, 0, 0, 0, 0)  # 1x1, 16-bit, greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" + struct.pack(">H", value))) + chunk(b"IEND", b""))


def asi_stamp(t):
    hour = t.hour % 12 or 12
    return f"{t.month}/{t.day}/{t.year} {hour}:{t.minute:02d}:{t.second:02d} {'AM' if t.hour < 12 else 'PM'}"


def parse_wall(text, option):
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", STAMP):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    sys.exit(f"{option}: expected 'YYYY-MM-DD HH:MM:SS', got {text!r}")


def as_number(value):
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    return value


class Params:
    """Values that --seed varies; seed 0 reproduces the sample folder."""

    def __init__(self, seed, lasers):
        self.x0, self.dx, self.y0, self.dy, self.z = 471320, 32400, 701490, 25920, 1707
        self.z_block, self.z_step, self.xy = 6676, "2.00", "1.800"
        self.stack_seconds = 319.125
        self.powers = {ex: SAMPLE_POWERS.get(ex, ("50.00", "50.00")) for ex in set(RIG_LASERS) | set(lasers)}
        if seed:
            rng = random.Random(seed)
            self.x0 = rng.randrange(300000, 600000, 10)
            self.y0 = rng.randrange(500000, 900000, 10)
            self.z = rng.randrange(500, 5000)
            self.z_step = rng.choice(("2.00", "2.00", "4.00"))
            self.z_block = rng.randrange(2000, 9000, 4)
            self.stack_seconds = rng.randrange(200000, 400000) / 1000
            for ex in sorted(self.powers):
                self.powers[ex] = tuple(f"{rng.randrange(500, 10001) / 100:.2f}" for _ in "lr")
        self.planes_per_stack = int(round(self.z_block / float(self.z_step))) + 1


def make_tiles(n, lasers, exact, p):
    """tile_config order: row by row, then column, then laser. Side 0 for the left half of the columns."""
    nlas = len(lasers)
    npos = max(1, -(-n // nlas))
    cols = min(4, npos)
    rows = -(-npos // cols)
    tiles = []
    for row in range(rows):
        for col in range(cols):
            for slot, laser in enumerate(lasers):
                tiles.append({"X": p.x0 + col * p.dx, "Y": p.y0 + row * p.dy, "Z": p.z, "Laser": laser,
                              "Side": 0 if col * 2 < cols else 1, "Exposure": 2, "Skip": 1, "Filter": slot})
    return tiles[:n] if exact else tiles


def build_metadata(args, p, tiles, tile_lasers, wl_lasers):
    mu = MICRO[args.micro_key]
    pix_key, zstep_key = "\u00b5m/pix", "Z step (\u00b5m)"
    rename = {pix_key: f"{mu}m/pix", zstep_key: f"Z step ({mu}m)"}
    if args.key_style == "legacy":
        session = [("destripe", "N/0"), ("obj_magnification", "3.600000"), ("obj_name", "LCT 3.6x"),
                   ("sampling", "1/1"), ("scanning", "Fast"), ("v_res", "1600"), ("z_block", str(p.z_block)),
                   ("z_step_um", p.z_step), (pix_key, p.xy)]
        session.sort()  # the vendor key "µm/pix" sorts last; renaming it later keeps that place (as in the real file)
    else:
        session = [("Obj", "LCT 3.6x"), ("Immersion", "1.52+"), ("Empty", "Blank"), ("V_Res", "1600"),
                   (pix_key, p.xy), (zstep_key, p.z_step), ("Scanning", "Fast"), ("Sampling", "1/1"),
                   ("Destripe", "N/0"), ("Flat", "None"), ("Z_Block", str(p.z_block)), ("Version", "5.4.0.3"),
                   ("obj_magnification", 3.25 / 0.9)]
    drop = {"missing-pixel-size": {pix_key}, "missing-z-step": {zstep_key, "z_step_um"}}.get(args.metadata_fault, ())
    session_config = {rename.get(k, k): v for k, v in session if k not in drop}

    wavelength_config = {}
    for ex in wl_lasers:
        left, right = p.powers[ex]
        entry = {"power_left": left, "power_right": right}
        if args.power_unit:
            entry["power_unit"] = args.power_unit
        wavelength_config[str(ex)] = entry

    fields = ("X", "Y", "Z", "Laser", "Side", "Exposure", "Skip", "Filter")
    if args.key_style == "legacy":
        fields = tuple(sorted(fields))
    keys = [f"t_{i}" for i in range(len(tiles))]
    order = sorted(range(len(tiles)), key=lambda i: keys[i]) if args.key_style == "legacy" else range(len(tiles))
    tile_config = {keys[i]: {f: str(tiles[i][f]) for f in fields} for i in order}

    if args.numbers:
        session_config = {k: as_number(v) for k, v in session_config.items()}
        for entry in wavelength_config.values():
            entry["power_left"], entry["power_right"] = float(entry["power_left"]), float(entry["power_right"])
        tile_config = {k: {f: as_number(v) for f, v in t.items()} for k, t in tile_config.items()}

    if args.metadata_fault == "null-section":
        tile_config = None
    if args.metadata_fault == "null-wavelength-config":
        wavelength_config = None
    sections = [("session_config", session_config), ("wavelength_config", wavelength_config),
                ("tile_config", tile_config)]
    if args.key_style == "legacy":
        sections.sort()
    text = json.dumps(dict(sections), indent=4, ensure_ascii=False)
    if args.key_style == "legacy":
        text += "\n"
    data = text.encode(args.encoding, errors="backslashreplace")  # U+03BC in Latin-1 -> JSON escape \u03bc
    if args.metadata_fault == "truncated":
        data = data[: len(data) // 2]
    return data


def build_asi(args, p, tiles, t0, total_seconds):
    """Stack i runs from t0 + i*T/N to t0 + (i+1)*T/N (exact integer arithmetic, floored to whole seconds)."""
    n, planes = len(tiles), p.planes_per_stack
    cache = {}

    def ts(offset):
        s = cache.get(offset)
        if s is None:
            s = cache[offset] = asi_stamp(t0 + dt.timedelta(seconds=offset))
        return s

    out = []
    add = out.append
    non_utf8 = args.asi_fault == "non-utf8"
    for i, t in enumerate(tiles):
        a = ts(i * total_seconds // n)
        move = f"M X={500000 - t['X']}Y={500000 - t['Y']}Z={t['Z'] * 10}"
        side = t["Side"]
        for cmd_or_event in (
                f"{a}\t\tASI.RW.Prep.1_Start", f"{a}\tSAA V=9200\t", f"{a}\tSAA V=9200\t:A ",
                f"{a}\t\tASI.RW.Prep.1_End", "",
                f"{a}\t{move}\t", f"{a}\t{move}\t:A ", "",
                f"{a}\tRS x? y? z? f? m?\t", f"{a}\tRS x? y? z? f? m?\t:A NNNNN", "",
                f"{a}\tMP {side}\t", f"{a}\tMP {side}\t{side}MP {side}  {side}", "",
                f"{a}\t6 cca y=8 z={planes}\t", f"{a}\t6 cca y=8 z={planes}\t:A ", "",
                f"{a}\tSAM V=1\t", f"{a}\tSAM V=1\t:A ", ""):
            add(cmd_or_event)
        if non_utf8:
            add(f"{a}\t\tChamber T=21.5\xb0C, sheet {side} \xb5m\xff")
        base = i * planes
        for k in range(100, planes, 100):
            add(f"{ts((base + k) * total_seconds // (n * planes))}\t\tImage_{k}")
        b = ts((i + 1) * total_seconds // n)
        for line in (f"{b}\tTiffQueue\t0", f"{b}\tSAM v=0 w=0\t", f"{b}\tSAM v=0 w=0\t:A ", "",
                     f"{b}\t#Files\t{planes}"):
            add(line)
    if non_utf8 and tiles:
        add(f"{ts(total_seconds)}\t\tAcquisition done \xb5\xff")
    if args.asi_fault == "no-timestamps":
        out = [line.split("\t", 1)[1] if "\t" in line else line for line in out]
    if args.asi_fault == "garbage-tail":
        out += ["", "\t\tStage Z=17070 \xb5m", "\xff\xfe\x00 garbage \xb5\xff", out[-1][:13] if out else "5/1/20",
                "Acquisition aborted by user \xb5"]
    eol = "\r\n" if args.crlf else "\n"
    return (eol.join(out) + eol).encode("latin-1") if out else b""


def write_job_config(path, args, subject, channels, end_override):
    lasers = sorted(channels)
    job = {
        "subject_id": subject,
        "specimen_id": f"{subject}-BRN00000148",
        "instrument_id": "440_SmartSPIM1_20240327",
        "experimenters": ["Jane Doe"],
        "protocol_id": ["https://dx.doi.org/10.17504/protocols.io.3byl4jo1rlo5/v1"],
        "timezone": args.timezone,
        "chamber_immersion": {"medium": "Cargille Oil 1.5200", "refractive_index": 1.5182},
        "sample_immersion": {"medium": "EasyIndex", "refractive_index": 1.5177},
        "x_direction": "Left to Right",
        "y_direction": "Anterior to Posterior",
        "z_direction": "Superior to Inferior",
        "detector_name": "Camera 1",
        "sample_chamber_name": "Sample chamber",
        "laser_device_names": {str(ex): f"Ex_{ex}" for ex in lasers},
        "emission_filter_device_names": {str(ex): f"Em_{channels[ex]}" for ex in lasers},
        "imaging_channels": [f"Laser = {ex}; Emission Filter = {channels[ex]}" for ex in lasers],
        "stitching_channels": f"Laser = {lasers[-1]}, Emission Filter = {channels[lasers[-1]]}" if lasers else None,
        "ccf_registration_channels": (f"Laser = {lasers[-1]}, Emission Filter = {channels[lasers[-1]]}"
                                      if lasers else None),
        "cell_segmentation_channels": None,
    }
    if end_override:
        job["acquisition_end_time"] = end_override.isoformat()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(job, indent=4, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--subject", default="000000")
    ap.add_argument("--start", default="2024-05-01 10:00:00")
    ap.add_argument("--end")
    ap.add_argument("--tiles", type=int, default=20)
    ap.add_argument("--exact", action="store_true")
    ap.add_argument("--lasers", default="488,561,639")
    ap.add_argument("--no-stack-dirs", action="store_true")
    ap.add_argument("--planes", type=int, default=2)
    ap.add_argument("--key-style", choices=("v5.4", "legacy"), default="v5.4")
    ap.add_argument("--micro-key", choices=tuple(MICRO), default="µ")
    ap.add_argument("--encoding", choices=("latin-1", "utf-8"), default="latin-1")
    ap.add_argument("--numbers", action="store_true")
    ap.add_argument("--power-unit")
    ap.add_argument("--crlf", action="store_true")
    ap.add_argument("--asi-fault", choices=("missing", "empty", "garbage-tail", "no-timestamps", "non-utf8"))
    ap.add_argument("--metadata-fault", choices=("truncated", "null-section", "missing-pixel-size", "missing-z-step",
                                                 "unknown-laser", "missing", "null-wavelength-config"))
    ap.add_argument("--extra-channel-folder", action="append", default=[], metavar="EX:EM")
    ap.add_argument("--stray-entries", action="store_true")
    ap.add_argument("--job-config")
    ap.add_argument("--timezone", default="America/Los_Angeles")
    ap.add_argument("--job-end")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    if args.tiles < 1:
        sys.exit("--tiles must be >= 1")
    if args.planes < 0:
        sys.exit("--planes must be >= 0")
    try:
        lasers = [int(x) for x in args.lasers.split(",") if x.strip()]
    except ValueError:
        sys.exit(f"--lasers: expected comma-separated integers, got {args.lasers!r}")
    if not lasers or len(set(lasers)) != len(lasers):
        sys.exit("--lasers: give at least one laser, each once")
    if any(c in args.subject for c in "/\\\0"):
        sys.exit("--subject must not contain path separators")
    extra = []
    for spec in args.extra_channel_folder:
        try:
            ex, em = (int(v) for v in spec.split(":"))
        except ValueError:
            sys.exit(f"--extra-channel-folder: expected EX:EM, got {spec!r}")
        extra.append((ex, em))

    unknown = None
    tile_lasers = list(lasers)
    if args.metadata_fault == "unknown-laser":
        unknown = next(x for x in UNKNOWN_LASER_CANDIDATES if x not in lasers)
        tile_lasers.append(unknown)
    p = Params(args.seed, tile_lasers)
    channels = {ex: emission_for(ex) for ex in lasers}  # lasers that get a channel folder
    if args.key_style == "legacy":
        wl_lasers = sorted(lasers)
    else:
        wl_lasers = sorted(set(RIG_LASERS) | set(lasers))
    tiles = make_tiles(args.tiles, tile_lasers, args.exact, p)
    n = len(tiles)

    start = parse_wall(args.start, "--start")
    end = parse_wall(args.end, "--end") if args.end else None
    lead = 2
    if end is not None:
        if end <= start:
            sys.exit("--end must be after --start")
        lead = min(lead, int((end - start).total_seconds()))
    t0 = start + dt.timedelta(seconds=lead)
    total = int((end - t0).total_seconds()) if end else int(round(n * p.stack_seconds))
    end = t0 + dt.timedelta(seconds=total)
    job_end = parse_wall(args.job_end, "--job-end") if args.job_end else None

    folder = f"SmartSPIM_{args.subject}_{start.strftime(STAMP)}"
    os.makedirs(args.out_dir, exist_ok=True)
    root = os.path.join(args.out_dir, folder)
    if os.path.lexists(root):
        shutil.rmtree(root)
    raw, deriv = os.path.join(root, "SmartSPIM"), os.path.join(root, "derivatives")
    os.makedirs(raw)
    os.makedirs(deriv)

    png = png_1x1_16bit()
    plane_names = [f"{k * int(round(10 * float(p.z_step))):06d}.png" for k in range(args.planes)]
    for ex in sorted(channels):
        ch = f"Ex_{ex}_Em_{channels[ex]}"
        os.makedirs(os.path.join(raw, ch))
        os.makedirs(os.path.join(deriv, ch + "_MIP"))
    if not args.no_stack_dirs:
        made = set()
        for t in tiles:
            if t["Laser"] not in channels:
                continue
            ch = f"Ex_{t['Laser']}_Em_{channels[t['Laser']]}"
            x, y = str(t["X"]), str(t["Y"])
            xdir, mipdir = os.path.join(raw, ch, x), os.path.join(deriv, ch + "_MIP", x)
            if xdir not in made:
                os.makedirs(xdir, exist_ok=True)
                os.makedirs(mipdir, exist_ok=True)
                made.add(xdir)
            stack = os.path.join(xdir, f"{x}_{y}")
            os.makedirs(stack, exist_ok=True)
            for name in plane_names:
                with open(os.path.join(stack, name), "wb") as f:
                    f.write(png)
            with open(os.path.join(mipdir, f"{x}_{y}.png"), "wb") as f:
                f.write(png)
    for ex, em in extra:
        os.makedirs(os.path.join(raw, f"Ex_{ex}_Em_{em}"), exist_ok=True)
    if args.stray_entries:
        with open(os.path.join(raw, "nohup.out"), "w") as f:
            f.write("nohup: ignoring input\n")
        with open(os.path.join(raw, "desktop.ini"), "w") as f:
            f.write("[.ShellClassInfo]\r\n")
        os.makedirs(os.path.join(raw, f"Ex_{lasers[0]}_Ch0"), exist_ok=True)
        os.makedirs(os.path.join(raw, "tmp"), exist_ok=True)

    if args.metadata_fault != "missing":
        with open(os.path.join(deriv, "metadata.json"), "wb") as f:
            f.write(build_metadata(args, p, tiles, tile_lasers, wl_lasers))
    if args.asi_fault != "missing":
        with open(os.path.join(deriv, "ASI_logging.txt"), "wb") as f:
            if args.asi_fault != "empty":
                f.write(build_asi(args, p, tiles, t0, total))
    if args.job_config:
        write_job_config(args.job_config, args, args.subject, channels, job_end)

    # ---- ground truth ----
    def channel_of(ex):
        return f"Ex_{ex}_Em_{channels[ex]}" if ex in channels else None

    tile_rows = []
    for i, t in enumerate(tiles):
        ch = channel_of(t["Laser"])
        tile_rows.append({"key": f"t_{i}", "X": t["X"], "Y": t["Y"], "Z": t["Z"], "laser": t["Laser"],
                          "side": t["Side"], "exposure_ms": t["Exposure"], "filter": t["Filter"], "channel": ch,
                          "file_name": f"SmartSPIM/{ch}/{t['X']}/{t['X']}_{t['Y']}" if ch else None,
                          "translation_um": [t["X"] / 10, t["Y"] / 10, t["Z"] / 10]})
    used = sorted(set(t["Laser"] for t in tiles))
    sides = {str(ex): sorted(set(t["Side"] for t in tiles if t["Laser"] == ex)) for ex in used}
    image_order = [r["key"] for ex in used for r in tile_rows if r["laser"] == ex]
    failure = {
        ("asi", "missing"): "no ASI_logging.txt (fails unless the job config gives acquisition_end_time)",
        ("asi", "empty"): "empty ASI_logging.txt (fails unless the job config gives acquisition_end_time)",
        ("asi", "no-timestamps"): "no timestamp in ASI_logging.txt (fails unless the job gives acquisition_end_time)",
        ("md", "truncated"): "metadata.json is truncated JSON",
        ("md", "null-section"): "metadata.json tile_config is null",
        ("md", "null-wavelength-config"): "metadata.json wavelength_config is null",
        ("md", "missing-pixel-size"): "metadata.json session_config has no pixel-size key",
        ("md", "missing-z-step"): "metadata.json session_config has no z-step key",
        ("md", "missing"): "no metadata.json",
        ("md", "unknown-laser"): f"tile laser {unknown} has no channel folder (no emission wavelength)",
    }
    errors = [msg for key, msg in failure.items()
              if (key[0] == "asi" and key[1] == args.asi_fault and not job_end)
              or (key[0] == "md" and key[1] == args.metadata_fault)]
    asi_has_ts = args.asi_fault not in ("missing", "empty", "no-timestamps")
    expected_end = job_end or (end if asi_has_ts else None)
    expected = {
        "generator": "Scripts/make-smartspim-acquisition.py",
        "arguments": sys.argv[1:],
        "folder": folder,
        "subject_id": args.subject,
        "start_local": start.isoformat(),
        "end_local": end.isoformat(),
        "asi_first_local": t0.isoformat() if asi_has_ts else None,
        "asi_last_local": end.isoformat() if asi_has_ts else None,
        "job_end_local": job_end.isoformat() if job_end else None,
        "expected_end_local": expected_end.isoformat() if expected_end else None,
        "timezone": args.timezone,
        "tile_count": n,
        "tiles": tile_rows,
        "image_order": image_order,
        "lasers_used": used,
        "channels": [channel_of(ex) for ex in used if ex in channels],
        "channel_folders": sorted(
            [f"Ex_{ex}_Em_{em}" for ex, em in channels.items()] + [f"Ex_{ex}_Em_{em}" for ex, em in extra]),
        "emission": {str(ex): em for ex, em in sorted(channels.items())},
        "sides_per_laser": sides,
        "powers": {str(ex): {"left": float(p.powers[ex][0]), "right": float(p.powers[ex][1])} for ex in wl_lasers},
        "expected_light_source_powers": {str(ex): [float(p.powers[ex][s]) for s in sides[str(ex)]]
                                         for ex in used if ex in wl_lasers},
        "power_unit": args.power_unit or "percent",
        "wavelength_config_lasers": wl_lasers if args.metadata_fault != "null-wavelength-config" else None,
        "unknown_laser": unknown,
        "xy_pixel_size_um": float(p.xy),
        "z_step_um": float(p.z_step),
        "z_block_um": p.z_block,
        "planes_per_stack": p.planes_per_stack,
        "plane_files_per_stack": 0 if args.no_stack_dirs else args.planes,
        "exposure_ms": 2,
        "objective": "LCT 3.6x",
        "version": "5.4.0.3" if args.key_style == "v5.4" else None,
        "key_style": args.key_style,
        "micro_key": args.micro_key,
        "encoding": args.encoding,
        "numbers": args.numbers,
        "crlf": args.crlf,
        "asi_fault": args.asi_fault,
        "metadata_fault": args.metadata_fault,
        "stray_entries": args.stray_entries,
        "stack_dirs": not args.no_stack_dirs,
        "job_config": os.path.abspath(args.job_config) if args.job_config else None,
        "expected_errors": errors,
    }
    with open(os.path.join(args.out_dir, folder + ".expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(root)


if __name__ == "__main__":
    main()
