#!/usr/bin/env python3
"""Reference SmartSPIM -> aind-data-schema 2.9.2 (acquisition schema 2.5.4) Acquisition mapper.

A short, readable version of the mapping table in Docs/specs/spim.md section 6 (with the tricky cases
of section 8). It stands in for the unavailable upstream reference_smartspim_to_v2.py and reproduces its golden file
Tests/Mappers/SpimMapperTests/Fixtures/real/expected_acquisition_v2_for_synthetic_sample.json.

    /work/main/.build-venv-schemas/bin/python Scripts/spim-reference.py FOLDER JOB_CONFIG.json OUT.json

FOLDER is SmartSPIM_<subject>_<YYYY-MM-DD_HH-MM-SS>/ with SmartSPIM/Ex_<ex>_Em_<em>/ channel folders and
derivatives/{metadata.json, ASI_logging.txt}. Errors (bad folder name, unreadable metadata, missing keys, no end
time, a tile laser without a channel folder, ...) exit with status 1 and a message naming the file and key.
"""
import json
import re
import sys
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aind_data_schema.components.configs import (Channel, DetectorConfig, DeviceConfig, ImageSPIM, ImagingConfig,
                                                 Immersion, LaserConfig, SampleChamberConfig, TriggerType)
from aind_data_schema.components.coordinates import Axis, AxisName, CoordinateSystem, Direction, Scale, Translation
from aind_data_schema.components.identifiers import Code
from aind_data_schema.core.acquisition import Acquisition, DataStream
from aind_data_schema_models.coordinates import Origin
from aind_data_schema_models.devices import ImmersionMedium
from aind_data_schema_models.modalities import Modality
from aind_data_schema_models.units import PowerUnit, SizeUnit, TimeUnit

FOLDER_RE = re.compile(r"SmartSPIM_(?P<subj>.+)_(?P<ts>\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d)$")
CHANNEL_RE = re.compile(r"Ex_(\d+)_Em_(\d+)")
ASI_RE = re.compile(rb"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2}):(\d{2})\s*([AP]M)")
TILE_RE = re.compile(r"t_(\d+)")
DEFAULT_DIRECTIONS = ("Left to Right", "Anterior to Posterior", "Superior to Inferior")


class MappingError(Exception):
    pass


def norm_key(key):
    """'Z step (µm)', 'Z step (um)', 'Z step (m)', 'z_step_um' -> 'zstepum'; 'µm/pix', 'm/pix' -> 'um/pix'."""
    k = re.sub(r"[\s_()]", "", key.lower().replace("\u00b5", "u").replace("\u03bc", "u").replace("\ufffd", "u"))
    return {"m/pix": "um/pix", "zstepm": "zstepum"}.get(k, k)


def norm_dict(d):
    return {norm_key(k): v for k, v in d.items()}


def text(value):
    """A metadata value as the text the instrument uses in folder names (471320, not 471320.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def number(value, where):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise MappingError(f"{where}: not a number: {value!r}")


def local_time(naive, zone):
    return naive.replace(tzinfo=zone)


def read_end_time(asi_path, zone):
    """Timestamp of the last line that has one (searching from the end); lines that do not match are skipped."""
    if not asi_path.is_file():
        raise MappingError(f"{asi_path}: missing (give acquisition_end_time in the job config)")
    for line in reversed(asi_path.read_bytes().splitlines()):
        m = ASI_RE.match(line)
        if not m:
            continue
        month, day, year, hour, minute, second = (int(g) for g in m.groups()[:6])
        hour = hour % 12 + (12 if m.group(7) == b"PM" else 0)  # 12 AM -> 00, 12 PM -> 12
        try:
            return local_time(datetime(year, month, day, hour, minute, second), zone)
        except ValueError:
            continue
    raise MappingError(f"{asi_path}: no line with a timestamp (give acquisition_end_time in the job config)")


def read_metadata(path):
    if not path.is_file():
        raise MappingError(f"{path}: missing")
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:
        content = raw.decode("latin-1")
    try:
        data = json.loads(content)
    except json.JSONDecodeError as e:
        raise MappingError(f"{path}: not valid JSON ({e})")
    if not isinstance(data, dict):
        raise MappingError(f"{path}: top level is not an object")
    sections = {}
    for name in ("session_config", "wavelength_config", "tile_config"):
        if name not in data:
            raise MappingError(f"{path}: no '{name}'")
        if not isinstance(data[name], dict):
            raise MappingError(f"{path}: '{name}' is null or not an object")
        sections[name] = data[name]
    return sections


def coordinate_system(job):
    axes, letters = [], ""
    for axis, key, default in zip((AxisName.X, AxisName.Y, AxisName.Z), ("x_direction", "y_direction", "z_direction"),
                                  DEFAULT_DIRECTIONS):
        words = str(job.get(key) or default).replace("_", " ").split()
        axes.append(Axis(name=axis, direction=Direction("_".join(words).capitalize())))
        letters += words[-1][0].upper()
    return CoordinateSystem(name=f"SPIM_{letters}", origin=Origin.ORIGIN, axes=axes, axis_unit=SizeUnit.UM)


def immersion(spec):
    medium = str(spec.get("medium", "")).strip()
    low = medium.lower()
    enum = {m.value.lower(): m for m in ImmersionMedium}.get(low)
    if enum is None:
        rules = (("cargille", ImmersionMedium.OIL), ("oil", ImmersionMedium.OIL),
                 ("easyindex", ImmersionMedium.EASYINDEX), ("easy index", ImmersionMedium.EASYINDEX),
                 ("ethyl cinnamate", ImmersionMedium.ECI), ("dih2o", ImmersionMedium.WATER),
                 ("water", ImmersionMedium.WATER), ("0.05x ssc", ImmersionMedium.WATER),
                 ("acb", ImmersionMedium.ACB), ("aqueous clearing", ImmersionMedium.ACB))
        enum = next((m for needle, m in rules if needle in low), ImmersionMedium.OTHER)
    return Immersion(medium=enum, refractive_index=spec["refractive_index"])


def power_unit(entry):
    unit = str(entry.get("powerunit", "percent")).strip().lower()
    return {"milliwatt": PowerUnit.MW, "mw": PowerUnit.MW, "microwatt": PowerUnit.UW,
            "uw": PowerUnit.UW}.get(unit, PowerUnit.PERCENT)


def build(folder, job):
    folder = Path(folder)
    m = FOLDER_RE.match(folder.resolve().name)
    if not m:
        raise MappingError(f"{folder}: name does not match SmartSPIM_<subject>_<YYYY-MM-DD_HH-MM-SS>")
    subject = m.group("subj")
    if job.get("subject_id") not in (None, subject):
        raise MappingError(f"job subject_id {job['subject_id']!r} differs from the folder's {subject!r}")
    zone = ZoneInfo(job.get("timezone") or "America/Los_Angeles")
    start = local_time(datetime.strptime(m.group("ts"), "%Y-%m-%d_%H-%M-%S"), zone)
    if job.get("acquisition_end_time"):
        end = datetime.fromisoformat(job["acquisition_end_time"])
        end = end if end.tzinfo else local_time(end, zone)
    else:
        end = read_end_time(folder / "derivatives" / "ASI_logging.txt", zone)
    if end <= start:  # an end in the repeated fall-back hour: try the other offset
        end = end.replace(fold=1 - end.fold)
    if end <= start:
        raise MappingError(f"acquisition end {end.isoformat()} is not after start {start.isoformat()}")

    md_path = folder / "derivatives" / "metadata.json"
    md = read_metadata(md_path)
    session = norm_dict(md["session_config"])
    for key, label in (("um/pix", "pixel size (µm/pix)"), ("zstepum", "z step (Z step (µm) / z_step_um)")):
        if session.get(key) in (None, ""):
            raise MappingError(f"{md_path}: session_config has no {label}")
    xy = number(session["um/pix"], f"{md_path}: session_config µm/pix")
    z_step = number(session["zstepum"], f"{md_path}: session_config Z step")
    powers = {int(float(k)): norm_dict(v) for k, v in md["wavelength_config"].items() if isinstance(v, dict)}

    def tile_order(key):
        t = TILE_RE.fullmatch(key)
        return (0, int(t.group(1)), key) if t else (1, 0, key)

    by_laser = {}  # laser -> tiles in numeric key order
    for key in sorted(md["tile_config"], key=tile_order):
        tile = norm_dict(md["tile_config"][key])
        laser = tile.get("laser", tile.get("wavelength"))
        for field in ("x", "y", "z"):
            if tile.get(field) in (None, ""):
                raise MappingError(f"{md_path}: tile_config {key} has no {field.upper()}")
        if laser in (None, ""):
            raise MappingError(f"{md_path}: tile_config {key} has no Laser")
        by_laser.setdefault(int(float(laser)), []).append(tile)

    channel_root = folder / "SmartSPIM"
    emission = {}
    if channel_root.is_dir():
        for entry in channel_root.iterdir():
            c = CHANNEL_RE.fullmatch(entry.name)
            if c and entry.is_dir():
                emission[int(c.group(1))] = int(c.group(2))

    detector = job.get("detector_name", "Camera 1")
    lasers_map = {str(k): v for k, v in (job.get("laser_device_names") or {}).items()}
    filters_map = {str(k): v for k, v in (job.get("emission_filter_device_names") or {}).items()}
    channels, images, devices, units = [], [], [detector], set()
    for ex in sorted(by_laser):
        tiles = by_laser[ex]
        if ex not in emission:
            raise MappingError(f"tile laser {ex} has no channel folder {channel_root}/Ex_{ex}_Em_<em>")
        em = emission[ex]
        name = f"Ex_{ex}_Em_{em}"
        laser_name = lasers_map.get(str(ex), f"Ex_{ex}")
        filter_name = filters_map.get(str(ex)) or filters_map.get(str(em)) or f"Em_{em}"
        sides = {int(float(t.get("side", 0))) for t in tiles}
        entry = powers.get(ex)
        light_sources = []
        for side, key in ((0, "powerleft"), (1, "powerright")):
            if side not in sides:
                continue
            if entry is None or entry.get(key) in (None, ""):
                light_sources.append(LaserConfig(device_name=laser_name, wavelength=ex))
            else:
                units.add(power_unit(entry))
                light_sources.append(LaserConfig(device_name=laser_name, wavelength=ex,
                                                 power=number(entry[key], f"{md_path}: wavelength_config {ex} {key}"),
                                                 power_unit=power_unit(entry)))
        exposure = tiles[0].get("exposure")
        channels.append(Channel(
            channel_name=name,
            detector=DetectorConfig(device_name=detector, trigger_type=TriggerType.INTERNAL,
                                    exposure_time=None if exposure in (None, "") else float(exposure),
                                    exposure_time_unit=TimeUnit.MS),
            light_sources=light_sources,
            emission_filters=[DeviceConfig(device_name=filter_name)],
            emission_wavelength=em, emission_wavelength_unit=SizeUnit.NM))
        devices += [laser_name, filter_name]
        for t in tiles:
            x, y = text(t["x"]), text(t["y"])
            images.append(ImageSPIM(
                channel_name=name, file_name=f"SmartSPIM/{name}/{x}/{x}_{y}",
                image_to_acquisition_transform=[
                    Scale(scale=[xy, xy, z_step]),
                    Translation(translation=[float(t["x"]) / 10, float(t["y"]) / 10, float(t["z"]) / 10])]))

    chamber_name = job.get("sample_chamber_name", "Sample chamber")
    if not job.get("chamber_immersion"):
        raise MappingError("job config: chamber_immersion {medium, refractive_index} is required")
    devices.append(chamber_name)
    if job.get("objective_name"):
        devices.append(job["objective_name"])
    for required in ("instrument_id", "specimen_id"):
        if not job.get(required):
            raise MappingError(f"job config: {required} is required")
    specimen = str(job["specimen_id"])
    if subject not in specimen:
        specimen = f"{subject}-{specimen}"
    protocol = job.get("protocol_id")
    cs = coordinate_system(job)
    version = session.get("version")
    code = None
    if version not in (None, ""):
        code = [Code(url=job.get("code_url", "https://lifecanvastech.com"), name="SmartSPIM acquisition software",
                     version=text(version))]
    if units <= {PowerUnit.PERCENT}:
        notes = "Laser power is percent of maximum (uncalibrated); light_sources ordered [left, right] sheet."
    else:
        notes = (f"Laser power unit: {', '.join(sorted(u.value for u in units))}; "
                 "light_sources ordered [left, right] sheet.")

    stream = DataStream(
        stream_start_time=start, stream_end_time=end, modalities=[Modality.SPIM], code=code, notes=notes,
        active_devices=list(OrderedDict.fromkeys(devices)),
        configurations=[
            ImagingConfig(device_name=job["instrument_id"], channels=channels, local_coordinate_system=cs,
                          images=images),
            SampleChamberConfig(
                device_name=chamber_name, chamber_immersion=immersion(job["chamber_immersion"]),
                sample_immersion=immersion(job["sample_immersion"]) if job.get("sample_immersion") else None)])
    return Acquisition(
        subject_id=subject, specimen_id=specimen, acquisition_start_time=start, acquisition_end_time=end,
        experimenters=list(job.get("experimenters") or []),
        protocol_id=[protocol] if isinstance(protocol, str) else protocol,
        instrument_id=job["instrument_id"], acquisition_type="SmartSPIM", global_coordinate_system=cs,
        data_streams=[stream])


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    folder, job_path, out = sys.argv[1:]
    try:
        job = json.loads(Path(job_path).read_text(encoding="utf-8"))
        acquisition = build(folder, job)
    except MappingError as e:
        sys.exit(f"error: {e}")
    Path(out).write_text(acquisition.model_dump_json(indent=3) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
