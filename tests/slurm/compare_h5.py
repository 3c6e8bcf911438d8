#!/usr/bin/python3
"""Compare two attnmf sweep files: every dataset under /grid and /points must be bitwise equal
(/points/error, a string dataset, compared as a list). Exit 0 identical, 1 different, 2 unusable.
    compare_h5.py REFERENCE.h5 CANDIDATE.h5
"""
import sys

try:
    import h5py
    import numpy
except ImportError as e:  # the test scripts check this first and skip
    print(f"compare_h5: h5py is missing ({e})", file=sys.stderr)
    sys.exit(2)


def datasets(f, group):
    names = []
    if group not in f:
        return names
    f[group].visititems(lambda n, o: names.append(f"{group}/{n}") if isinstance(o, h5py.Dataset) else None)
    return sorted(names)


def differences(reference, candidate):
    """(problems, summary) of comparing two sweep files; no problems means identical. Also used by
    tests/faults/test_faults.py."""
    a, b = h5py.File(reference, "r"), h5py.File(candidate, "r")
    problems = []
    names_a = datasets(a, "/grid") + datasets(a, "/points")
    names_b = datasets(b, "/grid") + datasets(b, "/points")
    if not names_a:
        problems.append("the reference holds no dataset under /grid or /points")
    if names_a != names_b:
        problems.append(f"dataset names differ: only in reference {sorted(set(names_a) - set(names_b))}, "
                        f"only in candidate {sorted(set(names_b) - set(names_a))}")
    for name in names_a:
        if name not in b:
            continue
        da, db = a[name], b[name]
        if da.shape != db.shape or da.dtype != db.dtype:
            problems.append(f"{name}: shape/type {da.shape} {da.dtype} vs {db.shape} {db.dtype}")
        elif da.dtype.kind in "OSU":
            if list(da[...].ravel()) != list(db[...].ravel()):
                problems.append(f"{name}: string values differ")
        elif da[...].tobytes() != db[...].tobytes():
            differing = (da[...] != db[...]).reshape(da.shape[0], -1).any(axis=1).nonzero()[0] if da.ndim else []
            problems.append(f"{name}: values differ (first rows: {list(differing[:10])})")
    status = b["/points/status"][...] if "/points/status" in b else None
    if status is not None and (status == 0).any():
        problems.append(f"candidate not complete: {int((status == 0).sum())} of {len(status)} points pending")
    summary = (f"identical: {len(names_a)} datasets under /grid and /points "
               f"({', '.join(n.split('/', 2)[2] for n in names_a)}); "
               f"{len(status) if status is not None else '?'} points, none pending")
    return problems, summary


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        problems, summary = differences(sys.argv[1], sys.argv[2])
    except OSError as e:
        print(f"compare_h5: {e}", file=sys.stderr)
        return 2
    if problems:
        print("DIFFERENT:\n  " + "\n  ".join(problems))
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
