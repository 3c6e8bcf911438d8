"""attnmf result files as xarray Datasets: `open_sweep` and `open_trajectory`.

A sweep file stores every per-point quantity flat, indexed by the point number p (docs/file-format.md):

    p = (i_epsilon * n_gamma + i_gamma) * n_beta + i_beta                  (beta fastest)
    p = ((i_size * n_epsilon + i_epsilon) * n_gamma + i_gamma) * n_beta + i_beta   (run.engine = network)

`open_sweep` puts every such dataset onto the grid's own dimensions (size,) epsilon, gamma, beta with
the axis values of /grid as coordinates, followed by the dataset's own dimensions (sample, feature,
exponent, ...). Arrays with dimensions of their own (samples, sections, final windows, exponents,
a trajectory's series) are not read on opening: they are dask arrays over the file where dask is
importable, else lazily indexed arrays that read exactly what is selected. Per-point scalars
(status, regime, period, ...), the axes and the model tables are read at once.

The file stays open while the Dataset is in use: close it with `ds.close()` or a `with` block, after
`ds.load()` or `.compute()` of what is still needed.
"""

import importlib
import os

import numpy as np
import xarray as xr
from xarray.backends import BackendArray
from xarray.core import indexing

from . import _h5

# A dask chunk holds about this many bytes: a few hundred points of the paper's 20000 x 3 samples.
CHUNK_BYTES = 64 << 20

# The dimensions of the datasets, after the point (or attractor) dimension, by path. A dataset not
# listed takes the labels of its HDF5 dimensions, or NAME_dim_I.
SWEEP_DIMS = {
    "points/samples": ("sample", "feature"),
    "points/section": ("section_row", "feature"),
    "points/crossings": ("crossing", "feature"),
    "points/crossing_direction": ("crossing",),
    "points/lyapunov": ("exponent",),
    "points/lyapunov_estimate": ("exponent",),
    "points/final_window/attention": ("slot", "feature"),
    "points/final_window/positions": ("slot",),
    "network/distance": ("replica",),
    "network/tracking": ("replica",),
    "network/recognised": ("replica",),
    "network/mean": ("replica", "feature"),
    "network/deviation": ("replica", "feature"),
    "network/bias": ("replica", "feature"),
    "network/reference/samples": ("sample", "feature"),
    "starts/origin": ("start",),
    "starts/status": ("start",),
    "starts/regime": ("start",),
    "starts/period": ("start",),
    "starts/attractor": ("start",),
    "starts/lyapunov": ("start", "exponent"),
    "attractors/samples": ("sample", "feature"),
    "attractors/lyapunov": ("exponent",),
    "attractors/final_window/attention": ("slot", "feature"),
    "attractors/final_window/positions": ("slot",),
}
TRAJECTORY_DIMS = {
    **{f"trajectory/{q}": ("step", "feature") for q in ("att", "mo", "mo_se", "mv", "mq", "mk")},
    "trajectory/final_window/attention": ("slot", "feature"),
    "trajectory/final_window/positions": ("slot",),
    "analysis/lyapunov": ("exponent",),
    "analysis/lyapunov_estimate": ("exponent",),
    "analysis/crossings": ("crossing", "feature"),
    "analysis/lyapunov_trace": ("trace", "exponent"),
    **{f"network/{q}": ("replica", "step", "feature") for q in ("mo_se", "mo", "att")},
    "network/distance": ("replica",),
    "network/tracking": ("replica",),
    "network/recognised": ("replica",),
    "network/mean": ("replica", "feature"),
    "network/deviation": ("replica", "feature"),
    "network/bias": ("replica", "feature"),
    "network/reference/samples": ("sample", "feature"),
}
MODEL_DIMS = {"tables": ("sign_vector", "feature"), "positional_weights": ("feature", "positional_bit")}
# Variable names: the path with these prefixes replaced ("points/final_window/attention" ->
# "final_window_attention", "network/reference/samples" -> "reference_samples").
PREFIXES = (("points/", ""), ("network/reference/", "reference_"), ("network/", "network_"), ("starts/", "start_"),
            ("attractors/", "attractor_"), ("provenance/", ""), ("trajectory/", ""), ("analysis/", ""),
            ("model/", ""))


def open_sweep(path, *, dask=None, chunks=None):
    """The sweep file `path` (written by `attnmf sweep`) as an xarray.Dataset.

    Dimensions: epsilon, gamma, beta (and size first for run.engine = network) with the /grid values
    as coordinates, then each dataset's own (sample, feature, exponent, crossing, slot, replica,
    start; attractor for the flat list of /attractors). Every /points dataset is a variable of that
    name (final_window/attention -> final_window_attention), /network/X is network_X (reference_X for
    /network/reference), /starts/X start_X, /attractors/X attractor_X, /provenance/point_seconds
    point_seconds. The coordinate `point` gives each grid cell's point number.

    Coded variables (regime, paper_regime, status, lyapunov_source, start_origin, ...) keep their
    integer codes with CF attributes flag_values and flag_meanings, and have a companion NAME_name of
    the names the file gives the codes ("periodic", "chaotic", ...). attrs hold the configuration,
    numbers as numbers (ds.attrs["model.context"] == 4), and every group's attributes as "GROUP/NAME".

    dask: True for dask arrays, False for xarray's lazily indexed arrays, None (default) dask when it
    is importable. chunks: {dimension: size} to override the automatic chunks (about 64 MiB, whole
    runs of points) of the dask arrays.
    """
    dask = _use_dask(dask)
    h5 = _open(path, "sweep", "open_trajectory")
    try:
        return _SweepReader(h5, dask, chunks or {}).dataset()
    except BaseException:
        h5.close()
        raise


def open_trajectory(path, *, dask=None, chunks=None):
    """The trajectory file `path` (written by `attnmf trajectory`) as an xarray.Dataset.

    Dimensions: step (coordinate: the step number, from /trajectory's first_step) and feature for the
    series att, mo, mo_se, mv, mq, mk; exponent for lyapunov and lyapunov_estimate; crossing for
    crossings (/analysis/crossings); trace (coordinate: the recorded steps after which the
    running estimate was taken) for lyapunov_trace; slot for final_window_attention and
    final_window_positions; replica for the finite network's network_mo_se, ... . The one-value
    analysis datasets (regime, period, zero_one_k, ...) are scalars; regime_name and the other NAME_name
    variables name the codes. attrs as for `open_sweep`. dask, chunks: as for `open_sweep`.
    """
    dask = _use_dask(dask)
    h5 = _open(path, "trajectory", "open_sweep")
    try:
        return _TrajectoryReader(h5, dask, chunks or {}).dataset()
    except BaseException:
        h5.close()
        raise


def code_names(variable):
    """{code: name} of a coded variable of a Dataset from `open_sweep` or `open_trajectory` (from its
    flag_values and flag_meanings)."""
    attrs = variable.attrs
    if "flag_values" not in attrs or "flag_meanings" not in attrs:
        raise ValueError(f"{variable.name} is not a coded variable (it has no flag_values and flag_meanings)")
    return dict(zip(np.atleast_1d(attrs["flag_values"]).tolist(), _h5.split_meanings(attrs["flag_meanings"])))


# --------------------------------------------------------------------------------------------


def _open(path, kind, other):
    h5 = _h5.open_file(path)
    actual = _h5.kind_of(h5)
    if actual != kind:
        h5.close()
        if actual in ("sweep", "trajectory"):
            raise _h5.FileError(f"{os.fspath(path)}: a {actual} file; attnmf.{other} reads it")
        raise _h5.FileError(f"{os.fspath(path)}: not an attnmf result file (no kind attribute, no /grid or /trajectory)")
    return h5


def _use_dask(requested):
    if requested is False:
        return False
    try:
        importlib.import_module("dask.array")
    except ImportError:
        if requested:
            raise
        return False
    return True


class _Rows:
    """An h5py dataset whose first dimension is seen as several (`lead`, row-major: the grid's
    dimensions over the flat point number), read on demand with orthogonal indexing: each key is an
    int, a slice or a 1-D integer array. Rows are read a run of consecutive points at a time, so a
    selection never reads a point it does not return."""

    def __init__(self, dataset, lead):
        self.dataset = dataset
        self.lead = tuple(int(n) for n in lead)
        self.shape = self.lead + tuple(dataset.shape[1:])
        self.dtype = dataset.dtype
        self.ndim = len(self.shape)

    def __getitem__(self, key):
        if not isinstance(key, tuple):
            key = (key,)
        if any(k is Ellipsis for k in key):
            at = key.index(Ellipsis)
            key = key[:at] + (slice(None),) * (self.ndim - len(key) + 1) + key[at + 1:]
        key = key + (slice(None),) * (self.ndim - len(key))
        lead, inner = key[:len(self.lead)], key[len(self.lead):]
        drop = tuple(i for i, k in enumerate(key) if _is_int(k))
        index = [_as_indices(k, n) for k, n in zip(lead, self.lead)]
        points = np.ravel_multi_index(np.ix_(*index), self.lead) if index else np.zeros((), dtype=np.int64)
        # h5py reads slices with a positive step; other selections of an inner dimension are read as
        # the slice that spans them and picked from it.
        read, after = [], []
        for k, n in zip(inner, self.shape[len(self.lead):]):
            if isinstance(k, slice) and (k.step is None or k.step > 0):
                start, stop, step = k.indices(n)
                read.append(slice(start, stop, step) if stop > start else slice(0, 0))
                after.append(slice(None))
            else:
                wanted = _as_indices(k, n)
                low = int(wanted.min()) if wanted.size else 0
                high = int(wanted.max()) + 1 if wanted.size else 0
                read.append(slice(low, high))
                after.append(wanted - low)
        rows = self._read(points.ravel(), tuple(read))
        rows = rows.reshape(points.shape + rows.shape[1:])
        if any(not isinstance(a, slice) for a in after):
            rows = rows[(slice(None),) * points.ndim + np.ix_(*[np.arange(rows.shape[points.ndim + i])
                                                                if isinstance(a, slice) else a
                                                                for i, a in enumerate(after)])]
        if drop:
            rows = rows.reshape(tuple(n for i, n in enumerate(rows.shape) if i not in drop))
        return rows

    def _read(self, points, inner):
        if points.size == 0:
            return np.asarray(self.dataset[(slice(0, 0),) + inner])
        unique, inverse = np.unique(points, return_inverse=True)
        breaks = np.nonzero(np.diff(unique) != 1)[0] + 1
        runs = np.split(unique, breaks)
        blocks = [np.asarray(self.dataset[(slice(int(run[0]), int(run[-1]) + 1),) + inner]) for run in runs]
        rows = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
        if len(unique) == len(points) and (inverse == np.arange(len(points))).all():
            return rows
        return rows[inverse]


def _is_int(key):
    return isinstance(key, (int, np.integer))


def _as_indices(key, n):
    if isinstance(key, slice):
        return np.arange(n)[key]
    if _is_int(key):
        key = int(key)
        if not -n <= key < n:
            raise IndexError(f"index {key} is out of bounds for a dimension of size {n}")
        return np.array([key % n])
    key = np.asarray(key)
    if key.dtype == bool:
        return np.nonzero(key)[0]
    return np.where(key < 0, key + n, key).astype(np.int64)


class _LazyRows(BackendArray):
    """_Rows for xarray without dask: xarray hands over outer indexers, _Rows reads them."""

    def __init__(self, rows):
        self.rows = rows
        self.shape = rows.shape
        self.dtype = rows.dtype

    def __getitem__(self, key):
        if isinstance(key, (indexing.BasicIndexer, indexing.OuterIndexer)):
            # Orthogonal already; _Rows takes it as it is. (xarray's own decomposition of a slice with a
            # negative step drops an element in the versions Debian 12 has.)
            return self.rows[key.tuple]
        return indexing.explicit_indexing_adapter(key, self.shape, indexing.IndexingSupport.OUTER, self.rows.__getitem__)


class _Reader:
    """What both kinds of file share: the variables' data (eager or lazy), names, attributes, codes."""

    def __init__(self, h5, dask, chunks):
        self.h5 = h5
        self.dask = dask
        self.chunks = chunks
        self.variables = {}
        self.coords = {}
        self.attrs = {}
        self.consumed = set()  # group attributes taken as a variable's description

    def finish(self):
        extra, self.attrs = self.attrs, {}
        self.group_attributes(self.h5)
        self.attrs.update(extra)
        dataset = xr.Dataset(self.variables, coords=self.coords, attrs=self.attrs)
        dataset.set_close(self.h5.close)
        return dataset

    def group_attributes(self, group):
        for name, value in group.attrs.items():
            if group.name == "/":
                self.attrs[name] = _h5.typed(value)
            elif (group.name, name) not in self.consumed and name not in _h5.INTERNAL_ATTRIBUTES:
                self.attrs[f"{group.name.lstrip('/')}/{name}"] = _h5.value_of(value)
        for item in group.values():
            if hasattr(item, "keys"):
                self.group_attributes(item)

    def data(self, dataset, lead, eager=False):
        """The dataset's values with its first dimension split into `lead`: read now when the values
        are per point (or per step) scalars, codes or empty, else lazily."""
        if eager or dataset.ndim <= 1 or dataset.name.startswith("/model/") or 0 in dataset.shape:
            values = np.asarray(dataset[()])
            if values.dtype.kind == "S":
                values = np.char.decode(values, "utf-8", "replace")
            elif values.dtype.kind == "O":
                values = np.array([v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in values.ravel()],
                                  dtype=str).reshape(values.shape)
            return values.reshape(tuple(lead) + values.shape[1:]) if dataset.ndim >= 1 else values
        rows = _Rows(dataset, lead)
        if not self.dask:
            return indexing.LazilyIndexedArray(_LazyRows(rows))
        import dask.array
        from dask.base import tokenize
        chunks = self.auto_chunks(rows, dataset)
        stat = os.stat(self.h5.filename)
        name = "attnmf-" + tokenize(self.h5.filename, dataset.name, stat.st_mtime_ns, stat.st_size, lead, chunks)
        return dask.array.from_array(rows, chunks=chunks, name=name, asarray=True, fancy=False, lock=False,
                                     meta=np.empty((0,) * rows.ndim, dtype=rows.dtype))

    def auto_chunks(self, rows, dataset):
        """Whole rows of points, as many consecutive ones as fit in CHUNK_BYTES (a point's row too large
        alone is cut along its first own dimension); an HDF5-chunked dataset in multiples of its chunks."""
        lead, inner = rows.lead, rows.shape[len(rows.lead):]
        row_bytes = rows.dtype.itemsize * int(np.prod(inner, dtype=np.int64))
        fit = max(CHUNK_BYTES // max(row_bytes, 1), 1)
        if dataset.chunks is not None and len(lead) == 1:
            step = dataset.chunks[0]
            fit = max(fit // step, 1) * step
        chunks = [1] * len(lead)
        for i in reversed(range(len(lead))):
            chunks[i] = int(min(lead[i], fit))
            if chunks[i] < lead[i]:
                break
            fit //= max(lead[i], 1)
        inner_chunks = list(inner)
        if row_bytes > CHUNK_BYTES and inner:
            inner_chunks[0] = max(1, int(inner[0] * CHUNK_BYTES // row_bytes))
        chunks = chunks + inner_chunks
        for i, dim in enumerate(self.dims_of.get(dataset.name, ())):
            if dim in self.chunks:
                wanted = self.chunks[dim]
                chunks[i] = rows.shape[i] if wanted in (None, -1) else max(1, min(int(wanted), rows.shape[i]))
        return tuple(chunks)

    def add(self, dataset, name, dims, lead):
        self.dims_of[dataset.name] = dims
        attrs = _h5.dataset_attributes(dataset)
        parent = dataset.parent
        key = dataset.name.rsplit("/", 1)[-1]
        if "description" not in attrs and key in parent.attrs and parent.name != "/":
            # Older files describe the datasets of /points in attributes of the group.
            attrs["description"] = _h5.text_of(parent.attrs[key])
            self.consumed.add((parent.name, key))
        codes = _h5.code_names(dataset) if dataset.dtype.kind in "iu" else {}
        for attribute in ("codes", "names", "flag_values", "flag_meanings", *_h5.LAYOUT_ATTRIBUTES):
            attrs.pop(attribute, None)
        # One code per point, attractor or start (regime, status, origin, ...) is read at once and named;
        # codes along a dimension of their own (crossing_direction, recognised) keep their flags alone.
        named = bool(codes) and (dataset.ndim == 1 or dataset.name.startswith("/starts/"))
        values = self.data(dataset, lead, eager=named)
        if codes:
            attrs["flag_values"] = np.array(list(codes), dtype=dataset.dtype)
            attrs["flag_meanings"] = _h5.flag_meanings(codes.values())
        self.variables[name] = xr.Variable(dims, values, attrs)
        if named:
            self.variables[name + "_name"] = xr.Variable(dims, _names_of(values, codes),
                                                         {"description": f"the names of the codes of {name}"})

    def trailing_dims(self, dataset, table, name, skip):
        """The names of the dimensions of `dataset` after the first `skip`."""
        path = dataset.name.lstrip("/")
        if path in table:
            dims = table[path]
            if len(dims) == dataset.ndim - skip:
                return dims
        dims = []
        for i in range(skip, dataset.ndim):
            dims.append(_dimension_name(dataset, i) or f"{name}_dim_{i}")
        return tuple(dims)

    @staticmethod
    def scale(dataset):
        """Whether the dataset is a dimension scale (format 2 gives every axis of every group one: point,
        sample, feature, step, ...). The reader makes its own coordinates of the ones that say something
        (the grid's axes, the steps, the trace's steps) and leaves the others, which hold 0, 1, ..., out,
        so that files of both formats read the same."""
        return _h5.text_of(dataset.attrs.get("CLASS", b"")) == "DIMENSION_SCALE"


def _dimension_name(dataset, i):
    """What the file calls dimension i of a dataset: its label, or the name of the scale attached to it."""
    try:
        dimension = dataset.dims[i]
        if dimension.label:
            return dimension.label
        if len(dimension):
            scale = dimension[0]
            return _h5.text_of(scale.attrs.get("NAME", b"")) or scale.name.rsplit("/", 1)[-1]
    except (KeyError, OSError, RuntimeError, ValueError):
        pass
    return ""


def _names_of(codes, names):
    """The name of each code of an integer array (codes the file does not name: "code N")."""
    unique, inverse = np.unique(codes, return_inverse=True)
    labels = np.array([names.get(int(c), f"code {int(c)}") for c in unique] or [""], dtype=str)
    return labels[inverse].reshape(codes.shape) if unique.size else np.empty(codes.shape, dtype=str)


def _variable_name(path):
    for prefix, replacement in PREFIXES:
        if path.startswith(prefix):
            return replacement + path[len(prefix):].replace("/", "_")
    return path.replace("/", "_")


def _datasets(group):
    """Every dataset below a group, depth first."""
    for item in group.values():
        if hasattr(item, "keys"):
            yield from _datasets(item)
        else:
            yield item


class _SweepReader(_Reader):

    def dataset(self):
        h5 = self.h5
        self.dims_of = {}
        if "grid" not in h5:
            raise _h5.FileError(f"{h5.filename}: no /grid: not a sweep file written by attnmf sweep")
        axes = ["epsilon", "gamma", "beta"]
        if "grid/size" in h5:
            axes.insert(0, "size")
        for axis in axes:
            if f"grid/{axis}" not in h5:
                raise _h5.FileError(f"{h5.filename}: no /grid/{axis}")
            values = np.atleast_1d(np.asarray(h5[f"grid/{axis}"][()]))
            grid = h5[f"grid/{axis}"]
            self.coords[axis] = xr.Variable((axis,), values, _h5.dataset_attributes(grid))
        self.grid_dims = tuple(axes)
        self.grid_shape = tuple(len(self.coords[a]) for a in axes)
        n = int(np.prod(self.grid_shape))
        self.coords["point"] = xr.Variable(self.grid_dims, np.arange(n, dtype=np.int64).reshape(self.grid_shape),
                                           {"description": "the point number p, the row of the file's /points datasets"})
        for group in ("points", "network", "starts", "provenance"):
            if group in h5:
                for dataset in _datasets(h5[group]):
                    self.per_point(dataset, n)
        if "attractors" in h5:
            self.attractors(h5["attractors"])
        self.model()
        self.feature_coordinates()
        if "grid" in h5:
            for name in h5["grid"].attrs:
                self.consumed.add(("/grid", name))
            if "index" in h5["grid"].attrs:
                self.attrs["point_index"] = _h5.text_of(h5["grid"].attrs["index"])
        return self.finish()

    def per_point(self, dataset, n):
        if self.scale(dataset):
            return
        path = dataset.name.lstrip("/")
        if path in ("points/beta", "points/gamma", "points/epsilon", "points/size"):
            return  # each point's axis values (format 2): the coordinates already are

        name = _variable_name(path)
        if dataset.ndim >= 1 and dataset.shape[0] == n:
            self.add(dataset, name, self.grid_dims + self.trailing_dims(dataset, SWEEP_DIMS, name, 1), self.grid_shape)
        else:
            # Not per point (nothing attnmf writes today): as it is.
            self.add(dataset, name, self.trailing_dims(dataset, {}, name, 0), dataset.shape[:1])

    def attractors(self, group):
        if "point" not in group:
            return
        point = np.asarray(group["point"][()]).astype(np.int64).ravel()
        count = len(point)
        for dataset in _datasets(group):
            if self.scale(dataset):
                continue
            path = dataset.name.lstrip("/")
            name = _variable_name(path)
            if dataset.ndim >= 1 and dataset.shape[0] == count:
                dims = ("attractor",) + self.trailing_dims(dataset, SWEEP_DIMS, name, 1)
                self.add(dataset, name, dims, (count,))
            else:
                self.add(dataset, name, self.trailing_dims(dataset, {}, name, 0), dataset.shape[:1])
        # Where each attractor is on the grid: its point and that point's axis values, as coordinates.
        if "attractor_point" in self.variables:
            self.coords["attractor_point"] = self.variables.pop("attractor_point")
        inside = (point >= 0) & (point < int(np.prod(self.grid_shape)))
        index = np.unravel_index(np.where(inside, point, 0), self.grid_shape)
        for axis, i in zip(self.grid_dims, index):
            values = np.asarray(self.coords[axis].values)[i]
            if values.dtype.kind == "f":
                values = np.where(inside, values, np.nan)
            self.coords[f"attractor_{axis}"] = xr.Variable(("attractor",), values,
                                                           {"description": f"the {axis} of the attractor's point"})

    def model(self):
        add_model(self)

    def feature_coordinates(self):
        add_feature_coordinates(self)


class _TrajectoryReader(_Reader):

    def dataset(self):
        h5 = self.h5
        self.dims_of = {}
        if "trajectory" not in h5:
            raise _h5.FileError(f"{h5.filename}: no /trajectory: not a trajectory file written by attnmf trajectory")
        for group in ("trajectory", "analysis", "network", "provenance"):
            if group not in h5:
                continue
            for dataset in _datasets(h5[group]):
                if self.scale(dataset):
                    continue
                path = dataset.name.lstrip("/")
                name = _variable_name(path)
                if dataset.shape == (1,) and path not in TRAJECTORY_DIMS:
                    # The one-value analysis datasets: scalars.
                    self.scalar(dataset, name)
                    continue
                dims = self.trailing_dims(dataset, TRAJECTORY_DIMS, name, 0)
                self.add(dataset, name, dims, dataset.shape[:1])
        group = h5["trajectory"]
        steps = self.variables["mo_se"].shape[0] if "mo_se" in self.variables else None
        if steps is not None:
            first = int(_h5.value_of(group.attrs["first_step"])) if "first_step" in group.attrs else \
                int(_h5.typed(h5.attrs.get("run.transient", 0)))
            self.coords["step"] = xr.Variable(("step",), first + np.arange(steps, dtype=np.int64),
                                              {"description": "the step number (steps count from 0; the first "
                                                              "run.transient are not recorded)"})
        if "lyapunov_trace" in self.variables:
            trace = h5["analysis/lyapunov_trace"]
            every = int(_h5.value_of(trace.attrs["every"])) if "every" in trace.attrs else 1
            rows = self.variables["lyapunov_trace"].shape[0]
            self.coords["trace"] = xr.Variable(("trace",), every * np.arange(1, rows + 1, dtype=np.int64),
                                               {"description": "the recorded steps after which the running estimate "
                                                               "was taken"})
        add_model(self)
        add_feature_coordinates(self)
        return self.finish()

    def scalar(self, dataset, name):
        self.dims_of[dataset.name] = ()
        attrs = _h5.dataset_attributes(dataset)
        codes = _h5.code_names(dataset) if dataset.dtype.kind in "iu" else {}
        for attribute in ("codes", "names", "flag_values", "flag_meanings", *_h5.LAYOUT_ATTRIBUTES):
            attrs.pop(attribute, None)
        value = np.asarray(dataset[()]).reshape(())
        if codes:
            attrs["flag_values"] = np.array(list(codes), dtype=dataset.dtype)
            attrs["flag_meanings"] = _h5.flag_meanings(codes.values())
        self.variables[name] = xr.Variable((), value, attrs)
        if codes:
            self.variables[name + "_name"] = xr.Variable((), np.array(codes.get(int(value), f"code {int(value)}")),
                                                         {"description": f"the name of the code of {name}"})


def add_model(reader):
    """/model/tables/{o,v,q,k} as tables_o, ... [sign_vector][feature] and /model/positional_weights as
    positional_weights_o, ... [feature][positional_bit]."""
    h5 = reader.h5
    for group, dims in MODEL_DIMS.items():
        if f"model/{group}" not in h5:
            continue
        for dataset in _datasets(h5[f"model/{group}"]):
            if dataset.ndim == 2:
                reader.add(dataset, f"{group}_{dataset.name.rsplit('/', 1)[-1]}", dims, dataset.shape[:1])


def add_feature_coordinates(reader):
    """feature = 0 .. M-1, exponent = 1 .. k (lambda_1 is exponent 1)."""
    sizes = {}
    for variable in reader.variables.values():
        sizes.update(zip(variable.dims, variable.shape))
    if "feature" in sizes:
        reader.coords["feature"] = xr.Variable(("feature",), np.arange(sizes["feature"]),
                                               {"description": "the feature a of m^o_se[a], A_t[a], ..."})
    if "exponent" in sizes:
        reader.coords["exponent"] = xr.Variable(("exponent",), np.arange(1, sizes["exponent"] + 1),
                                                {"description": "k of lambda_k, the exponents in descending order"})
