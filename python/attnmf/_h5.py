"""What every reader of an attnmf result file needs, on h5py alone: opening a file that a run may
still hold, attribute values as Python values, configuration values as numbers, and the names of
coded values (regimes, statuses, ...) as the file gives them.

Files of two generations are read alike: those whose configuration attributes are text and whose
codes are named by the attributes `codes` and `names` (or, older still, by a one-line legend on
the parent group), and those with numeric configuration attributes and CF-style `flag_values` /
`flag_meanings`.
"""

import os
import re

import h5py
import numpy as np


class FileError(ValueError):
    """A path that is not a readable attnmf result file, or a file that lacks what is asked of it."""


def open_file(path):
    """Opens `path` read-only as an h5py.File, or raises FileError saying why it cannot be."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileError(f"{path}: no such file")
    if os.path.isdir(path):
        raise FileError(f"{path}: is a directory, not a result file")
    try:
        readable = h5py.is_hdf5(path)
    except OSError as error:
        raise FileError(f"{path}: cannot read: {error}")
    if not readable:
        raise FileError(f"{path}: not an HDF5 file (attnmf writes its results as HDF5)")
    try:
        return h5py.File(path, "r")
    except OSError as error:
        first = error
    # A sweep in progress holds the file open and locked; reading it anyway shows what is done so far.
    # (Without locking first, since HDF5 refuses a second handle with other locking flags than an open
    # one, as the user's own h5py.File(path) would have.)
    try:
        return h5py.File(path, "r", locking=False)
    except (OSError, TypeError):  # TypeError: h5py before 3.5 has no locking argument
        raise FileError(f"{path}: cannot open: {first}")


def kind_of(h5):
    """'sweep', 'trajectory' or 'unknown' (files written before the `kind` attribute: by their groups)."""
    if "kind" in h5.attrs:
        return text_of(h5.attrs["kind"])
    if "points" in h5 and "grid" in h5:
        return "sweep"
    if "trajectory" in h5:
        return "trajectory"
    return "unknown"


def value_of(value):
    """An attribute value as a plain Python value: str for text, int/float/bool for numeric scalars,
    a list of those for arrays of text, a numpy array for numeric arrays."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SOU":
            return [value_of(v) for v in value.ravel().tolist()]
        if value.shape == ():
            return value.item()
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def text_of(value):
    """An attribute value as text, whatever its HDF5 type."""
    value = value_of(value)
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        return str(value.tolist())
    if isinstance(value, float) and repr(value).endswith(".0"):
        return repr(value)[:-2]  # 220.0 -> "220", as the configuration's own text has it
    return str(value)


_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
_REAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z|[+-]?(?:inf|nan)\Z", re.IGNORECASE)


def typed(value):
    """A configuration value as the type it means: text that spells a number becomes an int or a
    float ("3" -> 3, "0.02" -> 0.02), "true"/"false" a bool; numbers stay numbers; anything else
    (a grid "1.24:1.28:4001", a list "1.2,1.3", a path, a mode) stays text."""
    value = value_of(value)
    if not isinstance(value, str):
        return value
    text = value.strip()
    if _INTEGER.match(text):
        return int(text)
    if _REAL.match(text):
        return float(text)
    if text in ("true", "false"):
        return text == "true"
    return value


def configuration(attrs):
    """The root attributes of a result file as {name: value}, configuration values typed."""
    return {name: typed(attrs[name]) for name in attrs}


# HDF5's own bookkeeping attributes (dimension scales), which mean nothing to a reader.
INTERNAL_ATTRIBUTES = {"DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_Netcdf4Dimid", "_Netcdf4Coordinates",
                       "_nc3_strict"}
# Attributes about the file's own flat layout, which a reader that reshapes the datasets does not keep
# (CF's `coordinates` of a /points dataset names the per-point beta, gamma, epsilon).
LAYOUT_ATTRIBUTES = {"coordinates"}


def dataset_attributes(dataset):
    """A dataset's own attributes as plain values, without HDF5's dimension-scale bookkeeping."""
    result = {}
    for name in dataset.attrs:
        if name in INTERNAL_ATTRIBUTES:
            continue
        try:
            result[name] = value_of(dataset.attrs[name])
        except (OSError, TypeError, ValueError):
            continue  # an attribute h5py cannot turn into numpy (an object reference)
    return result


# The names attnmf gives codes that CF's flag_meanings cannot spell (it writes their hyphens, like their
# blanks, as underscores): by their words.
SPELLED = {"quasi periodic": "quasi-periodic", "2 torus": "2-torus"}


def words(name):
    """A name reduced to its words, lower case: "quasi-periodic", "quasi_periodic" -> "quasi periodic"."""
    return " ".join(re.split(r"[\s_-]+", name.strip().lower()))


def split_meanings(value):
    value = value_of(value)
    if isinstance(value, list):
        return [str(v) for v in value]
    # CF: blank-separated words, the blanks (and hyphens) within a name written as underscores.
    return [SPELLED.get(words(word), word.replace("_", " ")) for word in str(value).split()]


def code_names(dataset):
    """{code: name} of a coded dataset (regime, status, lyapunov_source, origin, ...) from what the
    file says: its `codes` and `names` (the names as attnmf spells them), else CF's `flag_values` and
    `flag_meanings`, else the one-line legend "-1 undetermined, 0 fixed point, ..." that files of
    format 1 keep on the parent group under the dataset's name. {} when the file names none."""
    attrs = dataset.attrs
    if "codes" in attrs and "names" in attrs:
        codes = np.atleast_1d(np.asarray(attrs["codes"])).astype(np.int64).tolist()
        names = value_of(attrs["names"])
        names = names if isinstance(names, list) else [str(names)]
        if len(codes) == len(names):
            return dict(zip(codes, names))
    if "flag_values" in attrs and "flag_meanings" in attrs:
        codes = np.atleast_1d(np.asarray(attrs["flag_values"])).astype(np.int64).tolist()
        names = split_meanings(attrs["flag_meanings"])
        if len(codes) == len(names):
            return dict(zip(codes, names))
    key = dataset.name.rsplit("/", 1)[-1]
    if key in dataset.parent.attrs:
        # "-1 undetermined, 0 fixed point, ... (rules ...)": the codes before any parenthesis, every entry
        # a code and its name (a description such as "..., 0 if none" is no legend).
        pairs = {}
        for entry in text_of(dataset.parent.attrs[key]).split(" (")[0].split(","):
            code, _, label = entry.strip().partition(" ")
            if not _INTEGER.match(code) or not label.strip():
                return {}
            pairs[int(code)] = label.strip()
        if len(pairs) >= 2:
            return pairs
    return {}


def flag_meanings(names):
    """The CF flag_meanings text of a list of names (blanks and hyphens within a name become
    underscores, as attnmf writes it)."""
    return " ".join(re.sub(r"[\s-]+", "_", name.strip()) for name in names)
