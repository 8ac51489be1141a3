"""Seeded mutations of metadata documents, shared by the conformance scripts (Scripts/conformance.py for
aind-data-schema 2.9.2, Scripts/conformance-biodata.py for biodata-schema 3.0.0).

Each script picks a mutation kind with its own seeded `random.Random` and calls `mutate_common` for the kinds both
releases share; the order of the generator's calls is what it was when each script held its own copy, so a seed
gives the same mutations as before.
"""
import re

COMMON_KINDS = ["remove_field", "deep_delete", "wrong_type", "bad_enum", "impossible_date", "dangling_connection",
                "remove_modality_device", "unknown_field", "boolean_number", "nested_object_type"]


def paths(value, prefix=()):
    """Every (path, value) in the document, depth first."""
    yield prefix, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, prefix + (i,))


def get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def set_at(doc, path, value):
    get(doc, path[:-1])[path[-1]] = value


def delete_at(doc, path):
    parent = get(doc, path[:-1])
    if isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent.pop(path[-1])


def mutate_common(doc, kind, rng):
    """Applies mutation `kind` (one of COMMON_KINDS) to `doc` in place with `rng`; returns `kind`, None when it does
    not apply to this document, or NotImplemented for a kind not shared here."""
    all_paths = [p for p, _ in paths(doc) if p and p != ("object_type",)]
    if kind == "remove_field":
        top = [p for p in all_paths if len(p) == 1]
        p = rng.choice(top)
        delete_at(doc, p)
    elif kind == "deep_delete":
        deep = [p for p in all_paths if len(p) > 2 and isinstance(p[-1], str)]
        if not deep:
            return None
        p = rng.choice(deep)
        delete_at(doc, p)
    elif kind == "wrong_type":
        leaves = [p for p in all_paths if not isinstance(get(doc, p), (dict, list)) and p[-1] != "object_type"]
        p = rng.choice(leaves)
        v = get(doc, p)
        if isinstance(v, bool):
            set_at(doc, p, "maybe")
        elif isinstance(v, (int, float)):
            set_at(doc, p, "not a number")
        elif isinstance(v, str):
            set_at(doc, p, rng.choice([{"unexpected": "object"}, [1, 2], 3.5]))
        else:
            set_at(doc, p, {"unexpected": "object"})
    elif kind == "bad_enum":
        strings = [p for p in all_paths if isinstance(get(doc, p), str) and p[-1] in (
            "abbreviation", "power_unit", "size_unit", "trigger_type", "data_interface", "direction", "origin",
            "axis_unit", "detector_type", "immersion", "cooling", "wavelength_unit", "channel_type", "unit",
            "exposure_time_unit", "registry", "weight_unit", "chroma", "sex", "filter_type", "crop_unit", "mount")]
        if not strings:
            return None
        p = rng.choice(strings)
        set_at(doc, p, "NOT_A_VALID_VALUE")
    elif kind == "impossible_date":
        dates = [p for p in all_paths if isinstance(get(doc, p), str) and p[-1] != "object_type" and
                 len(get(doc, p)) >= 10 and get(doc, p)[4:5] == "-" and get(doc, p)[7:8] == "-" and get(doc, p)[:4].isdigit()]
        if not dates:
            return None
        p = rng.choice(dates)
        v = get(doc, p)
        set_at(doc, p, v[:5] + "02-30" + v[10:] if len(v) > 10 else "2023-02-30")
    elif kind == "dangling_connection":
        conns = [p for p in all_paths if p[-1] in ("source_device", "target_device")]
        if not conns:
            return None
        set_at(doc, rng.choice(conns), "Ghost device")
    elif kind == "remove_modality_device":
        if "components" in doc and doc["components"]:
            doc["components"].pop(rng.randrange(len(doc["components"])))
        elif doc.get("data_streams"):
            stream = rng.choice(doc["data_streams"])
            if stream.get("configurations"):
                stream["configurations"].pop(rng.randrange(len(stream["configurations"])))
            else:
                return None
        else:
            return None
    elif kind == "boolean_number":
        # Numbers, and numeric strings (how pydantic writes a Decimal field).
        numbers = [p for p in all_paths if (isinstance(get(doc, p), (int, float)) and not isinstance(get(doc, p), bool))
                   or (isinstance(get(doc, p), str) and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", get(doc, p)))]
        if not numbers:
            return None
        set_at(doc, rng.choice(numbers), rng.choice([True, False]))
    elif kind == "nested_object_type":
        nested = [p + ("object_type",) for p, v in paths(doc) if len(p) > 1 and isinstance(v, dict) and "object_type" in v]
        if not nested:
            return None
        delete_at(doc, rng.choice(nested))
    elif kind == "unknown_field":
        objects = [p for p, v in paths(doc) if isinstance(v, dict) and "object_type" in v]
        p = rng.choice(objects)
        get(doc, p)["unexpected_field"] = 1
    else:
        return NotImplemented
    return kind

