"""The Python side of Scripts/bench-ecephys: what a lab would run today for one Open Ephys session — probeinterface's
Open Ephys settings reader on every Record Node's settings.xml, the sample counts from the .npy headers, then the
instrument and acquisition built and validated with aind-data-schema 2.9.2 and written as JSON.

Usage: python bench-ecephys.py SESSION_DIR OUT_DIR
"""
import datetime
import glob
import os
import sys
import zoneinfo

import numpy as np
import probeinterface
from probeinterface.neuropixels_tools import _parse_openephys_settings
from aind_data_schema.components.coordinates import CoordinateSystemLibrary, Translation
from aind_data_schema.components.devices import EphysAssembly, EphysProbe, Manipulator
from aind_data_schema.components.configs import EphysAssemblyConfig, ManipulatorConfig, ProbeConfig
from aind_data_schema.core.acquisition import Acquisition, DataStream
from aind_data_schema.core.instrument import Instrument
from aind_data_schema_models.brain_atlas import CCFv3
from aind_data_schema_models.modalities import Modality
from aind_data_schema_models.organizations import Organization
from aind_data_schema_models.units import SizeUnit

session, out = sys.argv[1], sys.argv[2]
zone = zoneinfo.ZoneInfo("America/Los_Angeles")
names = {}
for settings in sorted(glob.glob(os.path.join(session, "Record Node *", "settings.xml"))):
    # read_openephys returns one probe and needs it named; its parser gives every enabled probe of the file.
    for info in _parse_openephys_settings(settings, raise_error=False) or []:
        serial = str(info.get("serial_number"))
        probe = probeinterface.read_openephys_neuropixels(settings, serial_number=serial, raise_error=False)
        names[serial] = info.get("name") or serial
start = end = None
for sync in glob.glob(os.path.join(session, "Record Node *", "experiment*", "recording*", "sync_messages.txt")):
    ms = int(open(sync).readline().rsplit(":", 1)[1])
    start = ms if start is None else min(start, ms)
    for npy in glob.glob(os.path.join(os.path.dirname(sync), "continuous", "*", "sample_numbers.npy")):
        count = np.load(npy, mmap_mode="r").shape[0]
        end = max(end or 0, ms + count / 30.0)
start_time = datetime.datetime.fromtimestamp(start / 1000, zone)
end_time = datetime.datetime.fromtimestamp((end or start) / 1000, zone)
assemblies, configs = [], []
for serial, name in names.items():
    assemblies.append(EphysAssembly(
        name="Ephys assembly " + name, manipulator=Manipulator(name="Manipulator " + name, manufacturer=Organization.NEW_SCALE_TECHNOLOGIES),
        probes=[EphysProbe(name=name, serial_number=serial, probe_model="Neuropixels 1.0", manufacturer=Organization.IMEC)]))
    configs.append(EphysAssemblyConfig(
        device_name="Ephys assembly " + name,
        manipulator=ManipulatorConfig(device_name="Manipulator " + name, local_coordinate_system=CoordinateSystemLibrary.MPM_MANIP_RFB,
                                      local_axis_positions=Translation(translation=[0, 0, 0])),
        probes=[ProbeConfig(device_name=name, primary_targeted_structure=CCFv3.ROOT, local_coordinate_system=CoordinateSystemLibrary.PINPOINT_PROBE_RSAB,
                            transform=[Translation(translation=[0, 0, 0, 0])])]))
instrument = Instrument(instrument_id="W10DT160816", modification_date=start_time.date(), modalities=[Modality.ECEPHYS],
                        global_coordinate_system=CoordinateSystemLibrary.BREGMA_ARI, components=assemblies)
acquisition = Acquisition(subject_id="700001", acquisition_start_time=start_time, acquisition_end_time=end_time, instrument_id="W10DT160816",
                          acquisition_type="Extracellular electrophysiology",
                          data_streams=[DataStream(stream_start_time=start_time, stream_end_time=end_time, modalities=[Modality.ECEPHYS],
                                                   active_devices=[a.name for a in assemblies], configurations=configs)])
os.makedirs(out, exist_ok=True)
open(os.path.join(out, "instrument_ecephys.json"), "w").write(instrument.model_dump_json(indent=3))
open(os.path.join(out, "acquisition_ecephys.json"), "w").write(acquisition.model_dump_json(indent=3))
print(len(names), "probes")
