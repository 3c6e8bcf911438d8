"""attnmf: the result files of the attnmf engine (dynamical mean-field theory of self-attention
networks, Poc-López & Aguilera 2024) in Python.

    import attnmf
    ds = attnmf.open_sweep("out/fig3b.h5")          # xarray.Dataset over (epsilon, gamma, beta, sample, ...)
    ds.samples.sel(beta=1.27, method="nearest").isel(feature=0)
    tr = attnmf.open_trajectory("out/paper-trajectory.h5")

open_sweep, open_trajectory and code_names (attnmf.dataset) need numpy, h5py and xarray, and use dask
when it is there; attnmf.plot, the figures of the `attnmf-plot` command as matplotlib Figures, needs
numpy, h5py and matplotlib. Each is imported on first use, so that either works without the other's
modules.
"""

from ._h5 import FileError

_READERS = ("open_sweep", "open_trajectory", "code_names")
__all__ = list(_READERS) + ["FileError"]


def __getattr__(name):
    if name in _READERS:
        from . import dataset
        return getattr(dataset, name)
    raise AttributeError(f"module 'attnmf' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
