#!/usr/bin/env python3
"""Generates a synthetic Open Ephys GUI recording (Neuropix-PXI, Binary format) for the ecephys mapper's tests.

Standard library only (no numpy). The layout follows Docs/specs/ecephys.md sections 1 and 5 and imitates
Tests/Mappers/EcephysMapperTests/Fixtures/recording_example/ (GUI 0.6.7) and the real probeinterface samples (GUI 1.0.x):

    OUT/<session folder>/Record Node <id>/settings.xml, settings_<E>.xml (E >= 2)
        experiment<E>/recording<R>/structure.oebin, sync_messages.txt,
            continuous/<proc>-<id>.<stream>/{continuous.dat, sample_numbers.npy, timestamps.npy}
            events/<proc>-<id>.<stream>/TTL/{states, sample_numbers, full_words, timestamps}.npy
            events/MessageCenter/{text, sample_numbers, timestamps}.npy
    OUT/expected.json          ground truth (not an Open Ephys file)

    python3 Scripts/make-ecephys-recording.py OUT [options]

Options (output is deterministic for the same arguments; --seed changes serials, start-sample jitter, gaps, ms):
  --seed N                  random seed (default 1)
  --probes N                1-6 probes (default 4); NP1.0 PRB_1_4_0480_1 unless --np2
  --np2 K                   the last K of them are NP2.0 multishank NP2014 (single wideband stream `<name>`)
  --quad-base               one extra NP2020 Quad Base probe: 4 NP_PROBE elements (shank=0..3, same serial),
                            streams `<name>-1` .. `<name>-4`
  --record-nodes 1|2        2: probes split between Record Nodes 101 (first half, + NI-DAQ) and 104 (rest); each
                            node writes a full settings.xml (DATE 1 s apart), an oebin listing only its recorded
                            streams, a sync_messages.txt listing ALL streams (Software Time a few ms later on 104)
  --nidaq                   NI-DAQmx PXIe-6341 (8 ch, 30 kHz) in a 2nd SIGNALCHAIN joined by a Merger; recorded by
                            the first Record Node
  --gui 0.6.7|1.0.1         1.0.1: NP_PROBE under EDITOR/CUSTOM_PARAMETERS, isEnabled attributes, PROCESSOR_PARAMETERS,
                            Record Node `PROCESSOR_PARAMETERS directory engine events spikes main_sync` and per-stream
                            `PARAMETERS channels= sync_line=` (channels = 1-based list of EXCLUDED channels, so a
                            stream that is not recorded lists 1..N), PLUGIN_API_VERSION 10, attributes wrapped as
                            JUCE 7 does, oebin channel names CH0.. with "type"
  --naming auto|port|probe  NamingScheme 0: ProbeA, ProbeB... by detection index, custom_probe_name = serial;
                            2: custom port names (BASESTATION port<p>dock<d> = L1, L2, L3 on the 1st slot, R1.. on
                            the 2nd, C1.. on the 3rd), custom_probe_name = serial;
                            3: probe-specific names = made-up NewScale manipulator serials ("46121"),
                            custom_probe_name = that name, CUSTOM_PROBE_NAMES SN<serial>="name"
  --stale-custom-names      add stale CUSTOM_PROBE_NAMES entries: SN<absent serial>=<name of the 1st probe>, and a
                            case variant (auto/port naming: SN<absent serial>="probeA"; probe naming: lower-case key
                            sn<serial of the 1st probe>=<another name>)
  --disable I               probe index I (0-based, repeatable) is isEnabled="0": no streams; under auto naming its
                            letter is skipped (ProbeA, ProbeC, ...). Under GUI 0.6.7 every NP_PROBE then gets
                            isEnabled (as plugin 0.7.0 writes it); without --disable 0.6.7 has none (as the reference)
  --unrecorded I            probe index I (repeatable) has streams but recording_state NONE in every Record Node:
                            no data folders, in no oebin (its streams are still in sync_messages.txt)
  --no-sync                 omit every sync_messages.txt
  --experiments E           experiments (default 1): settings.xml for experiment 1, settings_<E>.xml for the others
  --recordings R            recordings per experiment (default 1); sample numbers restart at each experiment and
                            continue across recordings; each recording starts 20-90 s after the previous one ended
  --samples N               N samples per 30 kHz stream (N//12 for 2.5 kHz LFP): sample_numbers.npy = start..start+N-1
                            (int64), timestamps.npy = sample/rate (float64), continuous.dat = N*channels*2 zero bytes
                            (allocated with truncate, so it reads as zeros but may be sparse on disk). Default 0.
  --sparse-seconds S        instead of --samples: S seconds per recording. continuous.dat are sparse files of the full
                            size. sample_numbers/timestamps.npy are written in full when the stream has at most
                            2,000,000 samples; otherwise they get the correct header and file length but only the
                            first 8 and last 8 values are written (the middle is a sparse hole that reads as 0), so
                            the header shape and first/last sample numbers are right and disk use stays tiny
  --start 2024-03-05T09:05:03   local wall time of the recording start (= DATE of Record Node 101). Fractional
                            seconds, if given, become the Software Time milliseconds (otherwise random 1-999 ms)
  --utc-offset -08:00       rig's UTC offset at that time (Software Time = UTC epoch ms)
  --folder-lead-seconds 30  session folder time = start minus this (acquisition started before recording); may fall
                            on the previous day. Start sample numbers ~= lead * rate
  --subject 700001          subject id (folder prefix `<subject>_`, FILENAMECONFIG PREPEND)
  --no-prepend              session folder without the `<subject>_` prefix (PREPEND state 0)
  --lf                      LF line endings instead of CRLF (settings*.xml, sync_messages.txt, structure.oebin)
  --machine NAME            INFO/MACHINE name (default W10DT160816)
  --os NAME                 INFO/OS (default "Windows 10")
  --asset                   AIND asset layout: Record Nodes under ecephys_<subject>_<date>_<time>/ecephys/ecephys_clipped/
                            and every continuous.dat clipped to (at most) 100 frames; sample_numbers.npy intact
  --ipynb-checkpoints       decoys: Record Node 101/.ipynb_checkpoints/settings-checkpoint.xml (DATE one day
                            earlier), .../experiment1/recording1/.ipynb_checkpoints/{structure-checkpoint.oebin,
                            sync_messages-checkpoint.txt}, and a stray <session>/.ipynb_checkpoints/Record Node 101/
                            settings.xml
  --force                   replace an existing output tree (OUT/<root folder> and OUT/expected.json)
  --oebin-channels K        list only the first K channels of each stream in structure.oebin (num_channels keeps the
                            real count; the mapper never reads the list), to keep a committed example small

expected.json keys: session_folder, data_root (folder holding the Record Nodes, relative to OUT), gui_version,
rig_utc_offset, machine, os, naming_scheme, probes[] (name = stream prefix, enabled, recorded, serial_number,
probe_part_number, oe_probe_name, aind_probe_model, slot, port, dock, headstage_*, custom_probe_name, record_node,
np_probe_elements, streams), record_nodes (node -> recorded stream names), experiments[].recordings[]
(software_time_ms [null with --no-sync], software_time_ms_by_node, start_local, start_utc [whole seconds],
settings_DATE, settings_DATE_by_node, stream_start_samples [all streams, as in sync_messages.txt], sample_counts
[recorded streams], duration_s), basestations, custom_probe_names, acquisition_start_time (Software Time of
experiment1/recording1 with ms; with --no-sync the settings DATE, whole seconds, since nothing finer is in the files)
and acquisition_end_time (max over recordings of Software Time + sample_count/rate; true value also with --no-sync).
"""
import argparse
import datetime as dt
import json
import os
import random
import shutil
import sys
from array import array

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

AP_RATE, LFP_RATE = 30000.0, 2500.0
NP_BIT_VOLTS = {"0.6.7": 0.1949999928474426, "1.0.1": 0.1949999928}
NI_BIT_VOLTS = {"0.6.7": 0.0003051850944757462, "1.0.1": 0.0003051851}
FULL_NPY_LIMIT = 2000000  # --sparse-seconds: streams with more samples get head+tail-only .npy files
CLIP_FRAMES = 100  # --asset: continuous.dat clipped to this many frames (aind-data-transfer)

# Probe kinds: part number, OE probe_name, AIND probe_model, headstage, flex version, num_adcs, serial prefix
KINDS = {
    "NP1": dict(part="PRB_1_4_0480_1", oe_name="Neuropixels 1.0", aind="Neuropixels 1.0", hs="NP2_HS_30",
                flex="4.13", adcs="32", serial_prefix="191927", hs_range=(100, 1300)),
    "NP2": dict(part="NP2014", oe_name="Neuropixels 2.0 - Multishank", aind="Neuropixels 2.0 (Multi Shank)",
                hs="NPM_HS_31", flex="0.1", adcs="24", serial_prefix="231078", hs_range=(19000000, 23999999)),
    "QB": dict(part="NP2020", oe_name="Neuropixels 2.0 Quad Base", aind="Neuropixels 2.0 (Quad Base)",
               hs="NPM_HS_32", flex="3.14", adcs="24", serial_prefix="232072", hs_range=(23000000, 24999999)),
}
BASESTATION = dict(bs_firmware_version="2.0169", bs_hardware_version="UNKNOWN", bs_serial_number="0",
                   bs_part_number="NeurPix2 PXI Carrier", bsc_firmware_version="3.2189", bsc_hardware_version="1.9",
                   bsc_part_number="NP2_QBSC_00")
PORT_LETTERS = ["L", "R", "C", "X", "Y", "Z", "W"]  # --naming port: prefix per basestation (in slot order)
PROBES_PER_SLOT = 3  # AIND rigs use ports 1-3 of each basestation

PXI = dict(name="Neuropix-PXI", node=100)
MERGER_ID, NIDAQ_ID = 102, 103
NODE_IDS = [101, 104]
NODE_PATHS = {"0.6.7": ["D:", "E:"], "1.0.1": ["D:\\ecephys", "E:\\ecephys"]}


# ----------------------------------------------------------------------------------------------------------------
# Model: probes, streams, timeline
# ----------------------------------------------------------------------------------------------------------------

class Stream:
    def __init__(self, name, rate, channels, proc, proc_id, device_name, kind, probe=None):
        self.name, self.rate, self.channels = name, rate, channels
        self.proc, self.proc_id, self.device_name = proc, proc_id, device_name
        self.kind, self.probe = kind, probe  # kind: AP, LFP, WB (NP2 wideband), QB (quad base shank), NIDAQ

    @property
    def folder(self):
        return "%s-%d.%s" % (self.proc.replace(" ", "_").replace("@", "_"), self.proc_id, self.name)

    @property
    def description(self):
        return "Analog input channels from a NIDAQ device" if self.kind == "NIDAQ" else "description"


class Probe:
    def __init__(self, index, kind):
        self.index, self.kind = index, kind
        self.info = KINDS[kind]
        self.enabled, self.recorded = True, True
        self.streams = []
        self.node = None


def unique(make, used):
    while True:
        value = make()
        if value not in used:
            used.add(value)
            return value


def build_probes(args):
    """Probes in detection (document) order, with hardware, slot/port and names."""
    rng = random.Random("%s-probes" % args.seed)
    kinds = ["NP1"] * (args.probes - args.np2) + ["NP2"] * args.np2 + (["QB"] if args.quad_base else [])
    probes = [Probe(i, k) for i, k in enumerate(kinds)]
    serials, hs_serials, manip = set(), set(), set()
    # Slots: consecutive probes of one kind share a basestation, ports 1..3; a new kind starts a new slot.
    slot, port, previous = 1, PROBES_PER_SLOT, None
    for p in probes:
        if p.kind != previous or port == PROBES_PER_SLOT:
            slot, port = slot + 1, 0
        port += 1
        previous = p.kind
        p.slot, p.port, p.dock = slot, port, 1
        p.serial = unique(lambda: p.info["serial_prefix"] + "%05d" % rng.randint(0, 99999), serials)
        p.hs_serial = str(unique(lambda: rng.randint(*p.info["hs_range"]), hs_serials))
        p.manipulator = str(unique(lambda: rng.randint(45000, 46999), manip))
    p_slots = sorted({p.slot for p in probes})
    for p in probes:
        p.port_name = "%s%d" % (PORT_LETTERS[p_slots.index(p.slot)], p.port)
        p.enabled = p.index not in args.disable
        p.recorded = p.enabled and p.index not in args.unrecorded
    # Names (stream prefixes) and custom_probe_name per NamingScheme.
    for p in probes:
        if args.naming == "auto":
            p.name, p.custom = "Probe" + chr(ord("A") + p.index), p.serial
        elif args.naming == "port":
            p.name, p.custom = p.port_name, p.serial
        else:
            p.name, p.custom = p.manipulator, p.manipulator
    # Streams (enabled probes only).
    for p in probes:
        if not p.enabled:
            continue
        dev = p.info["oe_name"]
        if p.kind == "NP1":
            p.streams = [Stream(p.name + "-AP", AP_RATE, 384, PXI["name"], PXI["node"], dev, "AP", p),
                         Stream(p.name + "-LFP", LFP_RATE, 384, PXI["name"], PXI["node"], dev, "LFP", p)]
        elif p.kind == "NP2":
            p.streams = [Stream(p.name, AP_RATE, 384, PXI["name"], PXI["node"], dev, "WB", p)]
        else:
            p.streams = [Stream("%s-%d" % (p.name, s + 1), AP_RATE, 384, PXI["name"], PXI["node"], dev, "QB", p)
                         for s in range(4)]
    # Record Node assignment: first half of the --probes probes -> 101, the rest (and the quad base) -> 104.
    first_half = (args.probes + 1) // 2
    for p in probes:
        p.node = NODE_IDS[0] if (args.record_nodes == 1 or p.index < first_half) else NODE_IDS[1]
    # CUSTOM_PROBE_NAMES
    custom, stale = {}, []
    if args.naming == "probe":
        custom = {"SN" + p.serial: p.name for p in probes}
    if args.stale_custom_names:
        absent = unique(lambda: KINDS["NP1"]["serial_prefix"] + "%05d" % rng.randint(0, 99999), serials)
        key = "SN" + absent
        custom[key] = probes[0].name
        stale.append(key)
        if args.naming == "probe":
            key = "sn" + probes[0].serial
            custom[key] = str(unique(lambda: rng.randint(45000, 46999), manip))
        else:
            absent2 = unique(lambda: KINDS["NP1"]["serial_prefix"] + "%05d" % rng.randint(0, 99999), serials)
            key = "SN" + absent2
            custom[key] = "probe" + chr(ord("A") + min(1, len(probes) - 1))
        stale.append(key)
    custom = dict(sorted(custom.items()))
    return probes, custom, stale


def build_streams(probes, args):
    """All streams passing through the Record Nodes, in signal-chain order (probes, then NI-DAQ)."""
    streams = [s for p in probes for s in p.streams]
    if args.nidaq:
        streams.append(Stream("PXIe-6341", AP_RATE, 8, "NI-DAQmx", NIDAQ_ID, None, "NIDAQ"))
    return streams


def recorded_by(node, stream):
    if stream.kind == "NIDAQ":
        return node == NODE_IDS[0]
    return stream.probe.recorded and stream.probe.node == node


def sample_count(stream, args):
    base = args.sparse_seconds * 30000 if args.sparse_seconds else args.samples
    return base // 12 if stream.rate == LFP_RATE else base


def build_timeline(args, streams, nodes, offset):
    """Experiments -> recordings with precise start times (UTC epoch ms) and start sample numbers per stream."""
    rng = random.Random("%s-timeline" % args.seed)
    start = args.start_dt
    start_ms = int(((start.replace(microsecond=0) - offset).replace(tzinfo=dt.timezone.utc) - EPOCH)
                   .total_seconds()) * 1000
    experiments = []
    prev_end_ms = None
    for e in range(1, args.experiments + 1):
        if e == 1:
            frac = start.microsecond // 1000 if start.microsecond else rng.randint(1, 999)
            t_rec = start_ms + frac
            acq_start = start_ms - args.folder_lead_seconds * 1000 + rng.randint(0, 999)  # folder time = floor
            acq_start = min(acq_start, t_rec)
        else:
            acq_start = prev_end_ms + rng.randint(30, 120) * 1000 + rng.randint(0, 999)
            t_rec = acq_start + rng.randint(5, 20) * 1000 + rng.randint(0, 999)
        jitter = {}
        for s in streams:
            if s.rate != LFP_RATE:
                jitter[s.name] = rng.randint(0, 300)
        recordings = []
        for r in range(1, args.recordings + 1):
            if r > 1:
                t_rec = prev_end_ms + rng.randint(20, 90) * 1000 + rng.randint(0, 999)
            starts = {}
            for s in streams:
                if s.rate != LFP_RATE:
                    starts[s.name] = int(round((t_rec - acq_start) * s.rate / 1000.0)) + jitter[s.name]
            for s in streams:
                if s.rate == LFP_RATE:  # LFP runs on the AP clock divided by 12
                    starts[s.name] = starts[s.name[:-len("LFP")] + "AP"] // 12
            counts = {s.name: sample_count(s, args) for s in streams}
            duration_ms = max([counts[s.name] * 1000.0 / s.rate for s in streams] or [0.0])
            node_ms = {}
            for i, n in enumerate(nodes):
                node_ms[n] = t_rec if i == 0 else node_ms[nodes[i - 1]] + rng.randint(2, 6)
            recordings.append(dict(recording=r, t_ms=t_rec, node_ms=node_ms, starts=starts, counts=counts,
                                   duration_ms=duration_ms))
            prev_end_ms = int(t_rec + duration_ms + 0.999999)
        first = recordings[0]["t_ms"]
        dates = {n: (first // 1000) * 1000 + 1000 * i for i, n in enumerate(nodes)}  # DATE: 1 s apart per node
        experiments.append(dict(experiment=e, acq_start_ms=acq_start, recordings=recordings, date_ms=dates))
    return experiments


# ----------------------------------------------------------------------------------------------------------------
# Time formatting
# ----------------------------------------------------------------------------------------------------------------

def parse_offset(text):
    if text in ("Z", "z"):
        return dt.timedelta(0)
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-").replace(":", "")
    if len(body) != 4 or not body.isdigit():
        raise argparse.ArgumentTypeError("UTC offset must look like -08:00")
    return sign * dt.timedelta(hours=int(body[:2]), minutes=int(body[2:]))


def offset_text(offset):
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return "%s%02d:%02d" % (sign, abs(minutes) // 60, abs(minutes) % 60)


def aware(ms, offset):
    """Epoch ms (int or float) -> aware datetime in the rig's offset."""
    utc = EPOCH + dt.timedelta(microseconds=int(round(ms * 1000)))
    return utc.astimezone(dt.timezone(offset))


def juce_date(ms, offset):
    """JUCE Time::toString(true, true, true, true): '5 Mar 2024 9:05:03' (local, unpadded day and hour)."""
    t = aware(ms, offset)
    return "%d %s %d %d:%02d:%02d" % (t.day, MONTHS[t.month - 1], t.year, t.hour, t.minute, t.second)


def iso_seconds(ms, offset):
    return aware(ms, offset).replace(microsecond=0).isoformat()


def folder_time(t):
    return t.strftime("%Y-%m-%d_%H-%M-%S")


# ----------------------------------------------------------------------------------------------------------------
# settings.xml
# ----------------------------------------------------------------------------------------------------------------

class El:
    """Minimal XML element kept in insertion order (attribute order matters to imitate JUCE output)."""

    def __init__(self, tag, attrs=None, children=None, text=None):
        self.tag, self.attrs = tag, dict(attrs or {})
        self.children, self.text = list(children or []), text

    def add(self, child):
        self.children.append(child)
        return child


def xml_escape(value, attribute=True):
    out = []
    for ch in str(value):
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == '"' and attribute:
            out.append("&quot;")
        elif ch == "'" and attribute:
            out.append("&apos;")
        elif ord(ch) < 32 or ord(ch) > 126:
            out.append("&#%d;" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def serialize_xml(root, newline, wrap=None):
    """JUCE XmlElement::writeTo layout: 2-space indent; with wrap (JUCE 7: 60) attributes continue on a new line,
    aligned after the tag name, once the attributes written on the current line exceed `wrap` characters."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', ""]

    def write(el, indent):
        line = " " * indent + "<" + el.tag
        att_indent = indent + len(el.tag) + 1
        line_len = 0
        for k, v in el.attrs.items():
            if wrap is not None and line_len > wrap:
                lines.append(line)
                line, line_len = " " * att_indent, 0
            piece = ' %s="%s"' % (k, xml_escape(v))
            line += piece
            line_len += len(piece)
        if not el.children and el.text is None:
            lines.append(line + "/>")
        elif not el.children:
            lines.append(line + ">" + xml_escape(el.text, False) + "</" + el.tag + ">")
        else:
            lines.append(line + ">")
            for c in el.children:
                write(c, indent + 2)
            lines.append(" " * indent + "</" + el.tag + ">")

    write(root, 0)
    return newline.join(lines) + newline


def np_probe_elements(p, gui, with_is_enabled):
    """NP_PROBE element(s) of one probe (4 for a Quad Base, one per shank)."""
    elements = []
    shanks = range(4) if p.kind == "QB" else [None]
    for shank in shanks:
        a = dict(slot=p.slot)
        a.update(BASESTATION)
        a["bsc_serial_number"] = str(100 + p.slot)
        a = {k: a[k] for k in ["slot", "bs_firmware_version", "bs_hardware_version", "bs_serial_number",
                               "bs_part_number", "bsc_firmware_version", "bsc_hardware_version", "bsc_serial_number",
                               "bsc_part_number"]}
        a.update(headstage_serial_number=p.hs_serial, headstage_part_number=p.info["hs"],
                 flex_version=p.info["flex"], flex_part_number=p.info["hs"], port=p.port, dock=p.dock)
        if shank is not None:
            a["shank"] = shank
        a.update(probe_serial_number=p.serial, probe_part_number=p.info["part"], probe_name=p.info["oe_name"],
                 num_adcs=p.info["adcs"], custom_probe_name=p.custom, ZoomHeight="100", ZoomOffset="0")
        if p.kind == "NP1":
            a.update(apGainValue="500x", apGainIndex="3", lfpGainValue="250x", lfpGainIndex="2")
        if gui == "1.0.1":
            a["electrodeConfigurationPreset"] = "NONE"
        a.update(referenceChannel="Tip", referenceChannelIndex="1")
        if p.kind == "NP1":
            a.update(filterCut="ON", filterCutIndex="1")
        a.update(visualizationMode="0", activityToView="0")
        if with_is_enabled:
            a["isEnabled"] = "1" if p.enabled else "0"
        el = El("NP_PROBE", a)
        suffix = "" if shank is None else "_%d" % shank
        key = lambda i: "CH%d%s" % (i, suffix)
        if p.kind == "NP1":
            bank, xs, pitch = "0", [27, 59, 11, 43], 20
        elif p.kind == "NP2":
            bank, xs, pitch = "0:0", [27, 59], 15
        else:
            bank, xs, pitch = "0", [27 + 250 * shank, 59 + 250 * shank], 15
        el.add(El("CHANNELS", {key(i): bank for i in range(384)}))
        el.add(El("ELECTRODE_XPOS", {key(i): xs[i % len(xs)] for i in range(384)}))
        el.add(El("ELECTRODE_YPOS", {key(i): (i // 2) * pitch for i in range(384)}))
        elements.append(el)
    return elements


def stream_el(s, gui, params=None):
    a = dict(name=s.name, description=s.description, sample_rate="%.1f" % s.rate, channel_count=s.channels)
    if s.device_name is not None:
        a["device_name"] = s.device_name
    return El("STREAM", a, [El("PARAMETERS", params or {})])


def processor_el(name, node_id, insertion, type_, index, library, version, ptype):
    return El("PROCESSOR", dict(name=name, insertionPoint=insertion, pluginName=name, type=type_, index=index,
                                libraryName=library, libraryVersion=version, processorType=ptype, nodeId=node_id))


def build_settings(model, date_text):
    """The whole settings.xml tree (identical for every Record Node except DATE)."""
    args, probes, streams, gui = model["args"], model["probes"], model["streams"], model["args"].gui
    new = gui == "1.0.1"
    params_tag = "PROCESSOR_PARAMETERS" if new else "GLOBAL_PARAMETERS"
    root = El("SETTINGS")
    info = root.add(El("INFO"))
    info.add(El("VERSION", text=gui))
    info.add(El("PLUGIN_API_VERSION", text="10" if new else "8"))
    info.add(El("DATE", text=date_text))
    info.add(El("OS", text=args.os))
    info.add(El("MACHINE", dict(name=args.machine, cpu_model="12th Gen Intel(R) Core(TM) i9-12900K",
                                cpu_num_cores="24")))
    chain = root.add(El("SIGNALCHAIN"))

    # Neuropix-PXI source
    pxi = chain.add(processor_el("Neuropix-PXI", PXI["node"], "0", "4", "0", "Neuropix-PXI",
                                 "1.0.2" if new else "0.7.0", "2"))
    pxi.add(El(params_tag))
    probe_streams = [s for s in streams if s.kind != "NIDAQ"]
    for s in probe_streams:
        pxi.add(stream_el(s, gui))
    pxi.add(El("CUSTOM_PARAMETERS"))
    editor_attrs = dict(isCollapsed="0", isDrawerOpen="0", displayName="Neuropix-PXI", activeStream="0",
                        Type="Visualizer")
    if new:
        editor_attrs["tabText"] = "Neuropix PXI"
    editor = pxi.add(El("EDITOR", editor_attrs))
    editor.add(El("TAB", dict(Active="1") if new else dict(Active="1", Index="3")))
    editor.add(El("WINDOW", dict(Active="0")))
    npx = editor.add(El("NEUROPIXELS_EDITOR", dict(MainSyncSlot="0", SendSyncAsContinuous="0", SyncDirection="0",
                                                   SyncFreq="0")))
    scheme = {"auto": "0", "port": "2", "probe": "3"}[args.naming]
    for slot in sorted({p.slot for p in probes}):
        a = dict(Directory="", Slot=slot, NamingScheme=scheme)
        for port in range(1, 5):
            for dock in (1, 2):
                a["port%ddock%d" % (port, dock)] = "slot%d-port%d-%d" % (slot, port, dock)
        if args.naming == "port":
            for p in probes:
                if p.slot == slot:
                    a["port%ddock%d" % (p.port, p.dock)] = p.port_name
        npx.add(El("BASESTATION", a))
    npx.add(El("CUSTOM_PROBE_NAMES", model["custom_names"]))
    with_is_enabled = new or any(not p.enabled for p in probes)
    holder = editor
    if new:
        editor.add(El("VISUALIZER_PARAMETERS"))
        holder = editor.add(El("CUSTOM_PARAMETERS"))
    for p in probes:
        for el in np_probe_elements(p, gui, with_is_enabled):
            holder.add(el)

    if args.nidaq:
        merger = chain.add(processor_el("Merger", MERGER_ID, "1", "0", "0", "", "", "5"))
        merger.add(El(params_tag))
        for s in streams:
            merger.add(stream_el(s, gui, None if new else dict(enable_stream="1")))
        merger.add(El("CUSTOM_PARAMETERS", children=[El("MERGER", dict(NodeA=PXI["node"], NodeB=NIDAQ_ID,
                                                                        activePath="0"))]))
        merger_editor = dict(isCollapsed="0", isDrawerOpen="0", displayName="Merger")
        if not new:
            merger_editor["activeStream"] = "0"
        merger.add(El("EDITOR", merger_editor))

    for i, node in enumerate(model["nodes"]):
        rn = chain.add(processor_el("Record Node", node, "1", "0", "3", "", "", "8"))
        recorded = [s for s in streams if recorded_by(node, s)]
        main = recorded[0] if recorded else streams[0]
        path = NODE_PATHS[gui][i]
        if new:
            rn.add(El("PROCESSOR_PARAMETERS", dict(directory=path, engine="0", events="1", spikes="1",
                                                   main_sync=streams.index(main))))
            for s in streams:
                excluded = "" if recorded_by(node, s) else ",".join(str(c + 1) for c in range(s.channels))
                rn.add(stream_el(s, gui, dict(channels=excluded, sync_line="0")))
            rn.add(El("CUSTOM_PARAMETERS", dict(fifoMonitorsVisible="1")))
        else:
            rn.add(El("GLOBAL_PARAMETERS"))
            for s in streams:
                rn.add(stream_el(s, gui, dict(enable_stream="1")))
            cp = rn.add(El("CUSTOM_PARAMETERS", dict(path=path, engine="BINARY", recordEvents="1", recordSpikes="1",
                                                     fifoMonitorsVisible="1")))
            for s in streams:
                a = dict(isMainStream="1" if s is main else "0", sync_line="0", name=s.name,
                         source_node_id=s.proc_id, sample_rate="%.1f" % s.rate, channel_count=s.channels)
                if s.device_name is not None:
                    a["device_name"] = s.device_name
                a["recording_state"] = "ALL" if recorded_by(node, s) else "NONE"
                cp.add(El("STREAM", a))
        rn.add(El("EDITOR", dict(isCollapsed="0", isDrawerOpen="0", displayName="Record Node", activeStream="0")))

    if args.nidaq:
        chain2 = root.add(El("SIGNALCHAIN"))
        ni = chain2.add(processor_el("NI-DAQmx", NIDAQ_ID, "0", "4", "1", "NI-DAQmx", "1.0.1" if new else "0.3.1",
                                     "2"))
        ni.add(El(params_tag))
        ni.add(stream_el(streams[-1], gui))
        ni.add(El("CUSTOM_PARAMETERS"))
        ni_editor = dict(isCollapsed="0", isDrawerOpen="0", displayName="NI-DAQmx", activeStream="0")
        if new:
            ni_editor.update(deviceName="PXI1Slot6", sampleRate="30000.0", voltageRange="3", numAnalog="8",
                             numDigital="8", digitalReadSize="8", digitalPortStates="100")
        ni.add(El("EDITOR", ni_editor))

    prepend = dict(state="0", value="") if args.no_prepend else dict(state="2", value="%s_" % args.subject)
    filename = El("FILENAMECONFIG", children=[El("PREPEND", prepend),
                                              El("MAIN", dict(state="1", value=model["folder_time"])),
                                              El("APPEND", dict(state="0", value=""))])
    record_path = "C:\\Users\\svc_neuropix\\Documents\\Open Ephys"
    chain_nodes = [PXI["node"]] + ([MERGER_ID] if args.nidaq else []) + list(model["nodes"])
    if not new:
        viewport = root.add(El("EDITORVIEWPORT", dict(scroll="0")))
        viewport.add(El("NEUROPIX-PXI", dict(ID=PXI["node"])))
        if args.nidaq:
            viewport.add(El("MERGER", dict(ID=MERGER_ID)))
        for node in model["nodes"]:
            viewport.add(El("RECORD_NODE", dict(ID=node)))
        root.add(El("DATAVIEWPORT", dict(selectedTab="2")))
        root.add(El("CONTROLPANEL", dict(isOpen="1", recordPath=record_path, recordEngine="BINARY", clockMode="0")))
        root.add(El("AUDIOEDITOR", dict(isMuted="0", volume="50.0", noiseGate="10.0")))
        root.add(filename)
        root.add(El("UICOMPONENT", dict(isProcessorListOpen="1", isEditorViewportOpen="1")))
    else:
        root.add(El("CONTROLPANEL", dict(isOpen="1", recordPath=record_path, recordEngine="BINARY", clockMode="0",
                                         clockReferenceTime="0", forceNewDirectory="0")))
        root.add(El("AUDIOEDITOR", dict(isMuted="0", volume="50.0", noiseGate="0.0")))
        root.add(filename)
        root.add(El("EDITORVIEWPORT", dict(selectedTab="0", scroll="0")))
        graph = root.add(El("GRAPHVIEWER"))
        for node in chain_nodes + ([NIDAQ_ID] if args.nidaq else []):
            n = graph.add(El("NODE", dict(id=node, isProcessorInfoVisible="0")))
            if node == MERGER_ID:
                continue
            visible = [s for s in streams if node != PXI["node"] or s.kind != "NIDAQ"]
            if node == NIDAQ_ID:
                visible = [streams[-1]]
            for key in sorted("%d|%s" % (s.proc_id, s.name) for s in visible):
                n.add(El("STREAM", dict(key=key, isStreamVisible="0", isParamsVisible="0")))
        data = root.add(El("DATAVIEWPORT"))
        tabs = data.add(El("TABBEDCOMPONENT", dict(index="0", selectedTabNodeId="100")))
        for node in (0, 1, 2, PXI["node"]):
            tabs.add(El("TAB", dict(nodeId=node)))
        plist = root.add(El("PROCESSORLIST"))
        for cid, rgb in [(801, (50, 50, 50)), (804, (241, 90, 41)), (802, (0, 174, 239)), (803, (0, 166, 81)),
                         (805, (90, 110, 110)), (806, (255, 0, 0)), (807, (0, 0, 0))]:
            plist.add(El("COLOUR", dict(ID=cid, R=rgb[0], G=rgb[1], B=rgb[2])))
        root.add(El("UICOMPONENT", dict(isProcessorListOpen="1", isEditorViewportOpen="1",
                                        consoleOpenInWindow="0")))
        root.add(El("AUDIO", dict(sampleRate="48000.0", bufferSize="1024", deviceType="Windows Audio")))
        root.add(El("MESSAGES"))
    return root


def settings_text(model, date_text):
    return serialize_xml(build_settings(model, date_text), model["newline"],
                         wrap=60 if model["args"].gui == "1.0.1" else None)


# ----------------------------------------------------------------------------------------------------------------
# .npy files (NumPy format v1.0)
# ----------------------------------------------------------------------------------------------------------------

ITEMSIZE = {"<i8": 8, "<u8": 8, "<f8": 8, "<i2": 2, "|S1": 1}
TYPECODE = {"<i8": "q", "<u8": "Q", "<f8": "d", "<i2": "h"}


def npy_header(descr, n):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%d,), }" % (descr, n)
    total = 10 + len(header) + 1
    header += " " * ((64 - total % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1")


def pack(descr, values):
    a = array(TYPECODE[descr], values)
    if sys.byteorder == "big":
        a.byteswap()
    return a.tobytes()


def write_npy(path, descr, n, value_at=None, sparse=False):
    """Write an n-element 1-D array; value_at(i0, i1) returns the values of [i0, i1).
    sparse: only the first and last 8 values are written; the rest is a hole of the right size."""
    header = npy_header(descr, n)
    size = ITEMSIZE[descr]
    with open(path, "wb") as f:
        f.write(header)
        if n == 0:
            return
        if sparse and n > 16:
            f.write(pack(descr, value_at(0, 8)))
            f.seek(len(header) + (n - 8) * size)
            f.write(pack(descr, value_at(n - 8, n)))
        else:
            chunk = 1 << 20
            for i0 in range(0, n, chunk):
                f.write(pack(descr, value_at(i0, min(n, i0 + chunk))))
        f.truncate(len(header) + n * size)


def write_zero_file(path, size):
    with open(path, "wb") as f:
        f.truncate(size)


# ----------------------------------------------------------------------------------------------------------------
# structure.oebin, sync_messages.txt, data folders
# ----------------------------------------------------------------------------------------------------------------

def oebin_channels(s, model):
    gui, nidaq = model["args"].gui, model["args"].nidaq
    history = "%s -> %sRecord Node" % (s.proc, "Merger -> " if nidaq else "")
    channels = []
    listed = s.channels if model["args"].oebin_channels is None else min(s.channels, model["args"].oebin_channels)
    for i in range(listed):
        if s.kind == "NIDAQ":
            ch = {"channel_name": "AI%d" % i, "description": "Analog Input channel from a NIDAQ device",
                  "identifier": "", "history": history, "bit_volts": NI_BIT_VOLTS[gui],
                  "units": "V" if gui == "1.0.1" else ""}
            if gui == "1.0.1":
                ch["type"] = 2
        else:
            if gui == "1.0.1":
                name = "CH%d" % i
            else:
                name = {"AP": "AP", "LFP": "LFP"}.get(s.kind, "CH") + str(i + 1)
            ch = {"channel_name": name, "description": "Neuropixels electrode",
                  "identifier": "neuropixels.electrode" if gui == "1.0.1" else "", "history": history,
                  "bit_volts": NP_BIT_VOLTS[gui], "units": "uV" if gui == "1.0.1" else ""}
            if gui == "1.0.1":
                ch["type"] = 0
            ch["channel_metadata"] = [{"name": "electrode_index", "description": "Electrode index for this channel",
                                       "identifier": "neuropixels.electrode_index", "type": "uint16", "length": 1,
                                       "value": [i]}]
        channels.append(ch)
    return channels


def oebin_text(model, node):
    streams = model["streams"]
    recorded = [s for s in streams if recorded_by(node, s)]
    main = recorded[0] if recorded else streams[0]
    continuous, events = [], []
    for s in recorded:
        continuous.append({"folder_name": s.folder + "/", "sample_rate": s.rate, "source_processor_name": s.proc,
                           "source_processor_id": s.proc_id, "stream_name": s.name,
                           "recorded_processor": "Record Node", "recorded_processor_id": node,
                           "num_channels": s.channels, "channels": oebin_channels(s, model)})
    for s in recorded:
        if s.kind == "NIDAQ":
            ev = {"folder_name": s.folder + "/TTL/", "channel_name": s.name + "Digital Input Line",
                  "description": "Digital Line from a NIDAQ device containing 24 inputs", "identifier": "identifier"}
        else:
            ev = {"folder_name": s.folder + "/TTL/", "channel_name": "Neuropixels PXI Sync",
                  "description": "Status of SMA sync line on PXI card", "identifier": "neuropixels.sync"}
        ev.update({"sample_rate": s.rate, "type": "int16", "source_processor": s.proc, "stream_name": s.name,
                   "initial_state": 0})
        events.append(ev)
    events.append({"folder_name": "MessageCenter/", "channel_name": "Messages",
                   "description": "Broadcasts messages from the MessageCenter", "identifier": "messagecenter.events",
                   "sample_rate": main.rate, "type": "string", "source_processor": "Message Center",
                   "stream_name": main.name})
    doc = {"GUI version": model["args"].gui, "continuous": continuous, "events": events, "spikes": []}
    return json.dumps(doc, indent=2).replace("\n", model["newline"])


def rate_text(rate):
    """JUCE String(float): 30000, 2500, 30300.5."""
    return ("%f" % rate).rstrip("0").rstrip(".")


def sync_text(model, rec, node):
    nl = model["newline"]
    lines = ["Software Time (milliseconds since midnight Jan 1st 1970 UTC): %d" % rec["node_ms"][node]]
    for s in model["streams"]:
        lines.append("Start Time for %s (%d) - %s @ %s Hz: %d" % (s.proc, s.proc_id, s.name, rate_text(s.rate),
                                                                  rec["starts"][s.name]))
    return nl.join(lines) + nl


def write_text(path, text):
    with open(path, "w", newline="", encoding="ascii", errors="xmlcharrefreplace") as f:
        f.write(text)


def write_recording(model, node, rec, rec_dir):
    args = model["args"]
    os.makedirs(rec_dir)
    write_text(os.path.join(rec_dir, "structure.oebin"), oebin_text(model, node))
    if not args.no_sync:
        write_text(os.path.join(rec_dir, "sync_messages.txt"), sync_text(model, rec, node))
    for s in model["streams"]:
        if not recorded_by(node, s):
            continue
        n, start = rec["counts"][s.name], rec["starts"][s.name]
        sparse = bool(args.sparse_seconds) and n > FULL_NPY_LIMIT
        cdir = os.path.join(rec_dir, "continuous", s.folder)
        os.makedirs(cdir)
        frames = min(n, CLIP_FRAMES) if args.asset else n
        write_zero_file(os.path.join(cdir, "continuous.dat"), frames * s.channels * 2)
        write_npy(os.path.join(cdir, "sample_numbers.npy"), "<i8", n,
                  lambda i0, i1, start=start: range(start + i0, start + i1), sparse)
        write_npy(os.path.join(cdir, "timestamps.npy"), "<f8", n,
                  lambda i0, i1, start=start, rate=s.rate: [(start + i) / rate for i in range(i0, i1)], sparse)
        edir = os.path.join(rec_dir, "events", s.folder, "TTL")
        os.makedirs(edir)
        for name, descr in (("states", "<i2"), ("sample_numbers", "<i8"), ("full_words", "<u8"),
                            ("timestamps", "<f8")):
            write_npy(os.path.join(edir, name + ".npy"), descr, 0)
    mdir = os.path.join(rec_dir, "events", "MessageCenter")
    os.makedirs(mdir)
    for name, descr in (("sample_numbers", "<i8"), ("timestamps", "<f8"), ("text", "|S1")):
        write_npy(os.path.join(mdir, name + ".npy"), descr, 0)


def write_decoys(model, data_root):
    """--ipynb-checkpoints: Jupyter checkpoint copies a mapper must ignore."""
    node = model["nodes"][0]
    exp = model["experiments"][0]
    rec = exp["recordings"][0]
    offset = model["offset"]
    day_ms = 86400 * 1000
    paths = []
    ck = os.path.join(data_root, "Record Node %d" % node, ".ipynb_checkpoints")
    os.makedirs(ck)
    write_text(os.path.join(ck, "settings-checkpoint.xml"),
               settings_text(model, juce_date(exp["date_ms"][node] - day_ms, offset)))
    paths.append(os.path.join("Record Node %d" % node, ".ipynb_checkpoints", "settings-checkpoint.xml"))
    rck = os.path.join(data_root, "Record Node %d" % node, "experiment1", "recording1", ".ipynb_checkpoints")
    os.makedirs(rck)
    write_text(os.path.join(rck, "structure-checkpoint.oebin"), oebin_text(model, node))
    rel = os.path.join("Record Node %d" % node, "experiment1", "recording1", ".ipynb_checkpoints")
    paths.append(os.path.join(rel, "structure-checkpoint.oebin"))
    if not model["args"].no_sync:
        stale = dict(rec, node_ms={n: ms - day_ms for n, ms in rec["node_ms"].items()})
        write_text(os.path.join(rck, "sync_messages-checkpoint.txt"), sync_text(model, stale, node))
        paths.append(os.path.join(rel, "sync_messages-checkpoint.txt"))
    stray = os.path.join(data_root, ".ipynb_checkpoints", "Record Node %d" % node)
    os.makedirs(stray)
    write_text(os.path.join(stray, "settings.xml"), settings_text(model, juce_date(exp["date_ms"][node] - day_ms,
                                                                                  offset)))
    paths.append(os.path.join(".ipynb_checkpoints", "Record Node %d" % node, "settings.xml"))
    return [p.replace(os.sep, "/") for p in paths]


# ----------------------------------------------------------------------------------------------------------------
# expected.json
# ----------------------------------------------------------------------------------------------------------------

def expected_json(model, decoys):
    args, probes, streams, offset = model["args"], model["probes"], model["streams"], model["offset"]
    nodes = model["nodes"]
    out = {"_note": "ground truth written by make-ecephys-recording.py; not an Open Ephys file",
           "session_folder": model["session_folder"], "gui_version": args.gui,
           "rig_utc_offset": offset_text(offset), "machine": args.machine, "os": args.os,
           "naming_scheme": args.naming}
    out["probes"] = [{
        "name": p.name, "enabled": p.enabled, "serial_number": p.serial, "probe_part_number": p.info["part"],
        "oe_probe_name": p.info["oe_name"], "aind_probe_model": p.info["aind"], "slot": p.slot, "port": p.port,
        "dock": p.dock, "headstage_serial_number": p.hs_serial, "headstage_part_number": p.info["hs"],
        "streams": [s.name for s in p.streams],
        "recorded": p.recorded, "disabled": not p.enabled, "custom_probe_name": p.custom,
        "record_node": ("Record Node %d" % p.node) if p.recorded else None,
        "np_probe_elements": 4 if p.kind == "QB" else 1,
        "manipulator_serial_number": p.manipulator if args.naming == "probe" else None,
    } for p in probes]
    out["record_nodes"] = {"Record Node %d" % n: sorted(s.name for s in streams if recorded_by(n, s))
                           for n in nodes}
    experiments, end_ms = [], None
    for exp in model["experiments"]:
        recs = []
        for rec in exp["recordings"]:
            t = rec["t_ms"]
            recorded = [s for s in streams if any(recorded_by(n, s) for n in nodes)]
            rec_end = max([t + rec["counts"][s.name] * 1000.0 / s.rate for s in recorded] or [t])
            end_ms = rec_end if end_ms is None else max(end_ms, rec_end)
            recs.append({
                "recording": rec["recording"],
                "software_time_ms": None if args.no_sync else rec["node_ms"][nodes[0]],
                "start_local": iso_seconds(t, offset),
                "start_utc": iso_seconds(t, dt.timedelta(0)),
                "settings_DATE": juce_date(exp["date_ms"][nodes[0]], offset),
                "stream_start_samples": {s.name: rec["starts"][s.name] for s in streams},
                "software_time_ms_by_node": None if args.no_sync else {
                    "Record Node %d" % n: rec["node_ms"][n] for n in nodes},
                "settings_DATE_by_node": {"Record Node %d" % n: juce_date(exp["date_ms"][n], offset) for n in nodes},
                "sample_counts": {s.name: rec["counts"][s.name] for s in recorded},
                "duration_s": rec["duration_ms"] / 1000.0,
                "true_start": aware(t, offset).isoformat(),
            })
        experiments.append({"experiment": exp["experiment"],
                            "settings_file": "settings.xml" if exp["experiment"] == 1
                            else "settings_%d.xml" % exp["experiment"],
                            "acquisition_start_local": aware(exp["acq_start_ms"], offset).isoformat(),
                            "recordings": recs})
    out["experiments"] = experiments
    basestations = []
    for slot in sorted({p.slot for p in probes}):
        on_slot = [p for p in probes if p.slot == slot]
        basestations.append({"slot": slot, "bs_firmware_version": BASESTATION["bs_firmware_version"],
                             "bsc_firmware_version": BASESTATION["bsc_firmware_version"],
                             "bsc_serial_number": str(100 + slot),
                             "ports": sorted({p.port for p in on_slot if p.enabled}),
                             "bs_serial_number": BASESTATION["bs_serial_number"],
                             "bs_part_number": BASESTATION["bs_part_number"],
                             "bs_hardware_version": BASESTATION["bs_hardware_version"],
                             "bsc_part_number": BASESTATION["bsc_part_number"],
                             "bsc_hardware_version": BASESTATION["bsc_hardware_version"],
                             "ports_including_disabled": sorted({p.port for p in on_slot}),
                             "probes": [p.name for p in on_slot if p.enabled]})
    out["basestations"] = basestations
    first = model["experiments"][0]["recordings"][0]
    if args.no_sync:
        out["acquisition_start_time"] = iso_seconds(model["experiments"][0]["date_ms"][nodes[0]], offset)
        out["acquisition_start_time_source"] = "settings DATE (no sync_messages.txt)"
    else:
        out["acquisition_start_time"] = aware(first["node_ms"][nodes[0]], offset).isoformat()
        out["acquisition_start_time_source"] = "sync_messages.txt Software Time"
    out["acquisition_end_time"] = aware(end_ms, offset).isoformat()
    out["data_root"] = model["data_root_rel"]
    out["subject_id"] = args.subject
    out["nidaq"] = {"stream": "PXIe-6341", "source_processor": "NI-DAQmx", "node_id": NIDAQ_ID,
                    "record_node": "Record Node %d" % nodes[0]} if args.nidaq else None
    out["custom_probe_names"] = model["custom_names"]
    out["stale_custom_probe_names"] = model["stale_names"]
    out["has_sync_messages"] = not args.no_sync
    out["clipped_asset"] = bool(args.asset)
    out["sparse_npy"] = bool(args.sparse_seconds) and any(
        c > FULL_NPY_LIMIT for exp in model["experiments"] for r in exp["recordings"] for c in r["counts"].values())
    out["decoy_files"] = decoys
    out["seed"] = args.seed
    return out


# ----------------------------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="output directory (created if missing)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--probes", type=int, default=4, choices=range(1, 7), metavar="N")
    ap.add_argument("--np2", type=int, default=0, metavar="K")
    ap.add_argument("--quad-base", action="store_true")
    ap.add_argument("--record-nodes", type=int, default=1, choices=(1, 2))
    ap.add_argument("--nidaq", action="store_true")
    ap.add_argument("--gui", default="0.6.7", choices=("0.6.7", "1.0.1"))
    ap.add_argument("--naming", default="auto", choices=("auto", "port", "probe"))
    ap.add_argument("--stale-custom-names", action="store_true")
    ap.add_argument("--disable", type=int, action="append", default=[], metavar="I")
    ap.add_argument("--unrecorded", type=int, action="append", default=[], metavar="I")
    ap.add_argument("--no-sync", action="store_true")
    ap.add_argument("--experiments", type=int, default=1)
    ap.add_argument("--recordings", type=int, default=1)
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--samples", type=int, default=0)
    group.add_argument("--sparse-seconds", type=int, default=0)
    ap.add_argument("--start", default="2024-03-05T09:05:03")
    ap.add_argument("--utc-offset", type=parse_offset, default=parse_offset("-08:00"))
    ap.add_argument("--folder-lead-seconds", type=int, default=30)
    ap.add_argument("--subject", default="700001")
    ap.add_argument("--no-prepend", action="store_true")
    ap.add_argument("--lf", action="store_true")
    ap.add_argument("--machine", default="W10DT160816")
    ap.add_argument("--os", default="Windows 10")
    ap.add_argument("--asset", action="store_true")
    ap.add_argument("--ipynb-checkpoints", action="store_true")
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--oebin-channels", type=int, metavar="K")
    argv = list(sys.argv[1:] if argv is None else argv)
    for i, a in enumerate(argv[:-1]):  # "--utc-offset -08:00": argparse would take -08:00 for an option
        if a == "--utc-offset":
            argv[i:i + 2] = ["--utc-offset=" + argv[i + 1]]
            break
    args = ap.parse_args(argv)
    if not 0 <= args.np2 <= args.probes:
        ap.error("--np2 must be between 0 and --probes")
    total = args.probes + (1 if args.quad_base else 0)
    for i in args.disable + args.unrecorded:
        if not 0 <= i < total:
            ap.error("probe index %d out of range 0..%d" % (i, total - 1))
    if set(args.disable) & set(args.unrecorded):
        ap.error("a probe cannot be both --disable'd and --unrecorded")
    if len(set(args.disable)) == total and not args.nidaq:
        ap.error("every probe is disabled and there is no --nidaq: no stream left")
    if args.experiments < 1 or args.recordings < 1:
        ap.error("--experiments and --recordings must be >= 1")
    if args.oebin_channels is not None and args.oebin_channels < 1:
        ap.error("--oebin-channels must be >= 1")
    if args.samples < 0 or args.sparse_seconds < 0 or args.folder_lead_seconds < 0:
        ap.error("counts must be >= 0")
    try:
        args.start_dt = dt.datetime.fromisoformat(args.start)
    except ValueError:
        ap.error("--start must be an ISO local time like 2024-03-05T09:05:03")
    if args.start_dt.tzinfo is not None:
        ap.error("--start is the local wall time without offset; give the offset with --utc-offset")
    return args


def main(argv=None):
    args = parse_args(argv)
    offset = args.utc_offset
    probes, custom_names, stale_names = build_probes(args)
    streams = build_streams(probes, args)
    nodes = NODE_IDS[:args.record_nodes]
    experiments = build_timeline(args, streams, nodes, offset)
    folder_dt = args.start_dt.replace(microsecond=0) - dt.timedelta(seconds=args.folder_lead_seconds)
    ftime = folder_time(folder_dt)
    session_folder = ftime if args.no_prepend else "%s_%s" % (args.subject, ftime)
    if args.asset:
        top = "ecephys_%s_%s" % (args.subject, ftime)
        data_root_rel = "/".join([top, "ecephys", "ecephys_clipped"])
    else:
        top = session_folder
        data_root_rel = session_folder
    model = dict(args=args, probes=probes, streams=streams, nodes=nodes, experiments=experiments, offset=offset,
                 custom_names=custom_names, stale_names=stale_names, folder_time=ftime,
                 session_folder=session_folder, data_root_rel=data_root_rel,
                 newline="\n" if args.lf else "\r\n")

    os.makedirs(args.out, exist_ok=True)
    top_path = os.path.join(args.out, top)
    expected_path = os.path.join(args.out, "expected.json")
    if os.path.exists(top_path) or os.path.exists(expected_path):
        if not args.force:
            sys.exit("error: %s or expected.json already exists (use --force to replace)" % top_path)
        if os.path.exists(top_path):
            shutil.rmtree(top_path)
    data_root = os.path.join(args.out, *data_root_rel.split("/"))

    for node in nodes:
        node_dir = os.path.join(data_root, "Record Node %d" % node)
        os.makedirs(node_dir)
        for exp in experiments:
            e = exp["experiment"]
            name = "settings.xml" if e == 1 else "settings_%d.xml" % e
            write_text(os.path.join(node_dir, name), settings_text(model, juce_date(exp["date_ms"][node], offset)))
            for rec in exp["recordings"]:
                rec_dir = os.path.join(node_dir, "experiment%d" % e, "recording%d" % rec["recording"])
                write_recording(model, node, rec, rec_dir)
    decoys = write_decoys(model, data_root) if args.ipynb_checkpoints else []
    with open(expected_path, "w", encoding="utf-8") as f:
        json.dump(expected_json(model, decoys), f, indent=2)
        f.write("\n")
    print("wrote %s and %s" % (top_path, expected_path))


if __name__ == "__main__":
    main()
