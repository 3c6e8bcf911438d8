#!/usr/bin/env python3
"""Interrupted sweeps lose nothing: attnmf sweep killed, signalled and resumed ends with the same
/grid and /points, bit for bit, as an uninterrupted run.

    test_resume.py ATTNMF CONFIG SCENARIO [ENGINE]
      SCENARIO: kill9 | signals | refusals | corrupt | long-point | kernels | attractors | network;
      ENGINE: simd (default) | scalar
    attractors: kill -9 and SIGUSR1 of a continuation both ways with extra random starts: /starts and
    /attractors, too, are those of the uninterrupted run.
    network: kill -9 and SIGUSR1 of a finite-network sweep over (beta, N): /network, too, is that of
    the uninterrupted run (a stopped network point starts again from its first step).
"""
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py

ATTNMF, CONFIG, SCENARIO = sys.argv[1], sys.argv[2], sys.argv[3]
ENGINE = sys.argv[4] if len(sys.argv) > 4 else "simd"
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
# A sweep of a few seconds on two cores, so that signals and kills land while it runs. The simd
# engine integrates 16 points at a time, several times faster: it gets more points (three blocks,
# the last one short) and longer trajectories.
if ENGINE == "simd":
    POINTS = 40
    SMALL = ["--sweep.beta", f"1.24:1.28:{POINTS}", "--run.steps", "1500000", "--run.transient", "1000000"]
else:
    POINTS = 24
    SMALL = ["--sweep.beta", f"1.24:1.28:{POINTS}", "--run.steps", "300000", "--run.transient", "200000"]
SMALL += ["--run.engine", ENGINE, "--analysis.samples", "20000", "--analysis.section_max", "100", "-q"]
failures = []


def command(output, extra=(), ranks=1, resume=True):
    base = [ATTNMF, "sweep", "--config", CONFIG, "--output.file", output] + list(extra) + (["--resume"] if resume else [])
    return (["mpirun", "--oversubscribe", "-np", str(ranks)] + base) if ranks > 1 else base


def start(output, extra=(), ranks=1, resume=True):
    # A session of its own, so that kill_session() reaches mpirun and every rank at once, as a lost
    # node would.
    return subprocess.Popen(command(output, extra, ranks, resume), env=ENV, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def session_members(sid):
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # fields: state, ppid, pgrp, session, ...
            members.append(int(entry))
    return members


def kill_session(process):
    """SIGKILL to every process of the session `process` leads: mpirun puts each rank in a process
    group of its own, so killing mpirun's group alone would leave the ranks running, still writing
    the journal while the next run starts. Returns once none is left."""
    end = time.time() + 30
    while time.time() < end:
        members = session_members(process.pid)
        if not members:
            break
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.poll()  # reaps mpirun itself
        time.sleep(0.05)


def wait_for_progress(output, process, points=1, deadline=120):
    """Waits until the running sweep has journalled `points` points (a record is a few hundred
    bytes at least), so that a signal lands mid-sweep however loaded the machine is."""
    journal = output + ".journal"
    end = time.time() + deadline
    while time.time() < end and process.poll() is None:
        if os.path.isdir(journal):
            size = sum(os.path.getsize(os.path.join(journal, n)) for n in os.listdir(journal) if n.endswith(".journal"))
            if size >= points * 200:
                return
        time.sleep(0.05)


def run(output, extra=(), ranks=1, resume=True, timeout=600):
    p = subprocess.run(command(output, extra, ranks, resume), env=ENV, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=timeout)
    return p.returncode, p.stdout


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and name.split("/")[0] in ("grid", "points", "starts", "attractors",
                                                                         "network"):
                data = obj[...]
                out[name] = [bytes(x) if isinstance(x, bytes) else x for x in data.tolist()] if data.dtype.kind in "OS" \
                    else data.tobytes()
        f.visititems(visit)
    return out


def expect_identical(reference, path, what):
    a, b = datasets(reference), datasets(path)
    if a.keys() != b.keys():
        failures.append(f"{what}: datasets differ: {sorted(a.keys() ^ b.keys())}")
        return
    differing = [name for name in a if a[name] != b[name]]
    if differing:
        failures.append(f"{what}: not bit-identical to the uninterrupted run: {differing}")
    else:
        print(f"ok: {what}: /grid, /points, /starts, /attractors and /network identical to the uninterrupted run "
              f"({len(a)} datasets)")


def expect(condition, what):
    if not condition:
        failures.append(what)
    else:
        print("ok:", what)


def digest(paths):
    h = hashlib.sha256()
    for path in sorted(paths):
        if os.path.isdir(path):
            for root, _, files in sorted(os.walk(path)):
                for name in sorted(files):
                    h.update(name.encode())
                    with open(os.path.join(root, name), "rb") as f:
                        h.update(f.read())
        elif os.path.exists(path):
            with open(path, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def kill_trials(what, name, extra, seed, trials, attempts, wait):
    """`trials` sweeps, each started and SIGKILLed `attempts` times at random moments (1 and 2 ranks
    in turn), then resumed to the end and compared with the reference. Returns how many runs were
    killed while running."""
    rng = random.Random(seed)
    kills = 0
    for trial in range(trials):
        out = os.path.join(work, f"{name}{trial}.h5")
        ranks = 1 + trial % 2
        for attempt in range(attempts):
            p = start(out, extra, ranks)
            time.sleep(rng.uniform(*wait))
            if p.poll() is None:
                kill_session(p)
                kills += 1
            p.wait()
            expect(not session_members(p.pid), f"{what} trial {trial}: nothing of the killed run is left")
        rc, log = run(out, extra, ranks)
        expect(rc == 0, f"{what} trial {trial}: the final --resume completes (rc {rc})" + ("" if rc == 0 else "\n" + log[-4000:]))
        expect(not os.path.exists(out + ".journal"), f"{what} trial {trial}: the journal is removed when complete")
        expect_identical(reference, out, f"{what} trial {trial} ({ranks} ranks)")
    return kills


def usr1_then_resume(what, name, extra, points):
    """A sweep on 2 ranks stopped by SIGUSR1 once `points` are done, resumed on 3 ranks to the end and
    compared with the reference. mpirun forwards SIGUSR1 to the ranks (SIGTERM it answers by ending
    the job itself)."""
    out = os.path.join(work, f"{name}.h5")
    p = start(out, extra, 2)
    wait_for_progress(out, p, points=points)
    p.send_signal(signal.SIGUSR1)
    log, _ = p.communicate(timeout=60)
    expect(p.returncode == 3, f"{what}, SIGUSR1: exit code 3 (got {p.returncode})" + ("" if p.returncode == 3 else "\n" + log[-4000:]))
    rc, log = run(out, extra, 3)
    expect(rc == 0, f"{what}, SIGUSR1: --resume on 3 ranks completes")
    expect_identical(reference, out, f"{what}, SIGUSR1 then --resume on 3 ranks")


work = tempfile.mkdtemp(prefix="attnmf-resume-")
try:
    reference = os.path.join(work, "reference.h5")
    extra = SMALL
    if SCENARIO == "long-point":
        extra = ["--sweep.beta", "1.4", "--run.steps", "12000000", "--run.transient", "6000000",
                 "--run.engine", ENGINE, "--analysis.samples", "5000", "-q"]
    if SCENARIO == "attractors":
        POINTS = 24
        extra = ["--sweep.beta", f"1.24:1.28:{POINTS}", "--run.steps", "400000", "--run.transient", "250000",
                 "--run.engine", ENGINE, "--analysis.samples", "5000", "--analysis.section_max", "100", "-q",
                 "--sweep.mode", "continuation",
                         "--continuation.direction", "both", "--continuation.from", "1.262",
                         "--continuation.transient", "50000", "--init.starts", "4"]
    if SCENARIO in ("corrupt", "signals") and ENGINE == "simd":
        # More blocks than the 2 ranks' 4 threads take at once (7 of 16 points): when the first wave
        # is journalled and the signal lands, the next one is in flight, however fast the engine.
        # (With 3 blocks, all started together, they could all finish before the signal: SIGUSR1 on
        # 2 ranks once found 40 of 40 done.)
        POINTS = 112
        extra = ["--sweep.beta", f"1.24:1.28:{POINTS}"] + SMALL[2:]
    if SCENARIO == "network":
        POINTS = 16
        extra = ["--run.engine", "network", "--sweep.beta", "1.1:1.4:8", "--sweep.size", "9900,990000",
                 "--network.replicas", "2", "--run.steps", "400000", "--run.transient", "200000",
                 "--analysis.samples", "5000", "--analysis.section_max", "100", "--parallel.block_points", "2", "-q"]
    reference_started = time.time()
    rc, log = run(reference, extra, resume=False)
    assert rc == 0, log
    started = time.time()
    # How long the whole sweep takes on this machine: what stops at given moments are sized from.
    reference_seconds = started - reference_started

    if SCENARIO == "kill9":
        kills = kill_trials("kill -9", "killed", extra, seed=20261125, trials=4, attempts=5, wait=(0.15, 1.2))
        print(f"{kills} kills at random moments")
        expect(kills >= 12, "most attempts were killed while running")

    elif SCENARIO == "attractors":
        with h5py.File(reference, "r") as f:
            expect(f["attractors/point"].shape[0] >= POINTS, "the continuation's file lists every point's attractors")
            coexisting = int((f["points/attractor_count"][...] > 1).sum())
            print(f"{coexisting} of {POINTS} points with more than one attractor")
            expect((f["starts/status"][...] == 1).all(), "every start of every point is done")
        kill_trials("continuation, kill -9", "chain", extra, seed=20261201, trials=3, attempts=4, wait=(0.3, 2.0))
        usr1_then_resume("continuation", "chain-usr1", extra, points=4)

    elif SCENARIO == "network":
        with h5py.File(reference, "r") as f:
            expect(list(f["grid/size"][...]) == [9900, 990000], "the network sweep's /grid/size")
            expect((f["points/status"][...] == 1).all(), "every network point is done")
        kill_trials("finite network, kill -9", "network", extra, seed=20261202, trials=2, attempts=3, wait=(0.3, 1.5))
        usr1_then_resume("finite network", "network-usr1", extra, points=2)

    elif SCENARIO == "signals":
        for name, sig, ranks in (("SIGTERM", signal.SIGTERM, 1), ("SIGINT", signal.SIGINT, 1), ("SIGUSR1", signal.SIGUSR1, 2)):
            out = os.path.join(work, f"{name}.h5")
            p = start(out, extra, ranks)
            wait_for_progress(out, p)
            t0 = time.time()
            p.send_signal(sig)
            log, _ = p.communicate(timeout=60)
            expect(p.returncode == 3, f"{name}: exit code 3 (got {p.returncode})")
            expect(time.time() - t0 < 10, f"{name}: stopped within seconds ({time.time() - t0:.1f} s)")
            expect(os.path.isdir(out + ".journal"), f"{name}: the journal is kept")
            with h5py.File(out, "r") as f:
                done = int((f["points/status"][...] == 1).sum())
            expect(0 < done < POINTS, f"{name}: the file after the stop is readable and partial ({done} of {POINTS} done)")
            rc, log = run(out, extra, ranks)
            expect(rc == 0, f"{name}: --resume completes")
            expect_identical(reference, out, f"{name} then --resume")
        # A completed sweep: --resume is a no-op that changes nothing.
        out = os.path.join(work, "SIGTERM.h5")
        before = digest([out])
        rc, log = run(out, extra)
        expect(rc == 0 and digest([out]) == before, "--resume of a complete sweep changes nothing")

    elif SCENARIO == "refusals":
        out = os.path.join(work, "refuse.h5")
        p = start(out, extra)
        wait_for_progress(out, p)
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=60)
        before = digest([out, out + ".journal"])
        rc, log = run(out, extra, resume=False)
        expect(rc == 2 and "never overwrites" in log, "without --resume an existing file is refused (exit 2)")
        expect(digest([out, out + ".journal"]) == before, "... and not a byte changed")
        rc, log = run(out, extra + ["--model.epsilon", "0.03"])
        expect(rc == 2 and "another configuration" in log and "model.epsilon" in log,
               "--resume with another configuration is refused, naming the key")
        expect(digest([out, out + ".journal"]) == before, "... and not a byte changed")
        # The simd engine's kernel is part of what a sweep was computed with: the journal names it;
        # --resume continues with it (run.simd_kernel = auto), refuses another one asked for, and
        # refuses a kernel this CPU cannot run, naming both and changing nothing.
        manifest = os.path.join(out + ".journal", "manifest")
        with open(manifest) as f:
            original = f.read()
        if ENGINE == "simd":
            expect("simd.kernel = " in original, "the manifest names the simd kernel")
            mine = original.split("simd.kernel = ")[1].split()[0]
            other = "sse2" if mine != "sse2" else "avx2"
            with open(manifest, "w") as f:
                f.write(original.replace("simd.kernel = " + mine, "simd.kernel = " + other))
            before = digest([out, out + ".journal"])
            rc, log = run(out, extra + ["--run.simd_kernel", mine])
            expect(rc == 2 and f"{other} kernel" in log and f"{mine} kernel" in log,
                   f"a journal of the {other} kernel is refused with run.simd_kernel = {mine}, naming both (rc {rc})")
            expect(digest([out, out + ".journal"]) == before, "... and not a byte changed")
            with open(manifest, "w") as f:
                f.write(original.replace("simd.kernel = " + mine, "simd.kernel = avx1024"))
            before = digest([out, out + ".journal"])
            rc, log = run(out, extra)
            expect(rc == 2 and "avx1024 kernel" in log and "cannot run" in log,
                   f"a journal of a kernel this CPU cannot run is refused, naming it (rc {rc})")
            expect(digest([out, out + ".journal"]) == before, "... and not a byte changed")
            with open(manifest, "w") as f:
                f.write(original)
        # A journal from before output.sample_precision existed lacks the key: at its default it is
        # the same configuration; asked to differ, it is another.
        expect("output.sample_precision = float64" in original, "the manifest records output.sample_precision")
        with open(manifest, "w") as f:
            f.write("".join(line for line in original.splitlines(True) if not line.startswith("output.sample_precision")))
        before = digest([out, out + ".journal"])
        rc, log = run(out, extra + ["--output.sample_precision", "float32"])
        expect(rc == 2 and "output.sample_precision (absent from the file, here float32)" in log,
               f"a journal without output.sample_precision is refused with float32, naming the key (rc {rc})")
        expect(digest([out, out + ".journal"]) == before, "... and not a byte changed")
        rc, log = run(out, extra)
        expect(rc == 0, f"a journal without output.sample_precision resumes at the default float64 (rc {rc})")
        expect_identical(reference, out, "a journal without output.sample_precision, resumed")
        rc, log = run(reference, extra + ["--run.steps", "300001"])
        expect(rc == 2 and "run.steps" in log, "--resume of a complete file of another configuration is refused")
        fresh = os.path.join(work, "fresh.h5")
        rc, log = run(fresh, extra)
        expect(rc == 0, "--resume of a sweep that never started starts it")
        expect_identical(reference, fresh, "--resume from nothing")

    elif SCENARIO == "corrupt":
        out = os.path.join(work, "corrupt.h5")
        p = start(out, extra, 2)
        wait_for_progress(out, p)
        p.send_signal(signal.SIGUSR1)
        p.communicate(timeout=60)
        inflight = [n for n in os.listdir(out + ".journal") if n.endswith(".inflight")]
        expect(len(inflight) > 0, f"a stop saves the points in flight ({inflight})")
        if inflight:  # otherwise the failure above is reported
            target = os.path.join(out + ".journal", inflight[0])
            with open(target, "r+b") as f:
                f.seek(30)
                f.write(b"\x00garbage\xff")
            before = digest([out, out + ".journal"])
            rc, log = run(out, extra, 2)
            expect(rc == 2 and "cannot resume" in log and inflight[0] in log,
                   f"a corrupt checkpoint is a clear error naming the file (rc {rc}): {log.strip()[:300]}")
            expect(digest([out, out + ".journal"]) == before, "... and not a byte changed")
            os.remove(target)  # the user's way out: drop the damaged checkpoint, its points start afresh
            rc, log = run(out, extra, 2)
            expect(rc == 0, "without the damaged checkpoint the sweep resumes")
            expect_identical(reference, out, "resumed after removing a corrupt checkpoint")

    elif SCENARIO == "long-point":
        out = os.path.join(work, "long.h5")
        # Three stops that together leave part of the point to do, however fast the machine: at 20 %,
        # 30 % and 20 % of the uninterrupted run's time (past the few tenths of a second a start takes).
        for attempt, share in enumerate((0.2, 0.3, 0.2)):
            delay = 0.3 + share * reference_seconds
            p = start(out, extra[:-1])
            time.sleep(delay)
            p.send_signal(signal.SIGTERM)
            log, _ = p.communicate(timeout=60)
            expect(p.returncode == 3, f"long point, stop {attempt + 1}: exit code 3")
            if attempt > 0:
                expect("to continue mid-trajectory" in log, f"long point, stop {attempt + 1}: continued mid-trajectory")
        rc, log = run(out, extra)
        expect(rc == 0, "long point: the last --resume completes it")
        expect_identical(reference, out, "a long point stopped three times mid-trajectory")
    elif SCENARIO == "kernels":
        # One sweep, one kernel: ranks on unlike CPUs (one limited to SSE2 by ATTNMF_SIMD_LIMIT, as on
        # an older node) compute with the kernel they all run, and give the numbers of a one-rank run
        # with that kernel; a kernel some rank cannot run is refused; --resume continues with the
        # kernel that started the sweep, whatever this CPU's best.
        sse2 = os.path.join(work, "sse2.h5")
        rc, log = run(sse2, extra + ["--run.simd_kernel", "sse2"], resume=False)
        expect(rc == 0, f"a sweep with run.simd_kernel = sse2 completes (rc {rc})")
        base = [ATTNMF, "sweep", "--config", CONFIG] + extra
        def mixed(output, more=()):
            argv = ["mpirun", "--oversubscribe", "-np", "1", "-x", "ATTNMF_SIMD_LIMIT=sse2"] + base + \
                   ["--output.file", output] + list(more) + [":", "-np", "1"] + base + ["--output.file", output] + list(more)
            p = subprocess.run(argv, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
            return p.returncode, p.stdout
        out = os.path.join(work, "mixed.h5")
        rc, log = mixed(out)
        expect(rc == 0, f"a sweep on an SSE2-only rank and an unrestricted one completes (rc {rc})" + ("" if rc == 0 else "\n" + log[-3000:]))
        if rc == 0:
            with h5py.File(out, "r") as f:
                engine = f["provenance"].attrs["engine"]
            engine = engine.decode() if isinstance(engine, bytes) else str(engine)
            expect(engine.startswith("simd: sse2"), f"... with the sse2 kernel on both ranks (/provenance/engine: {engine})")
            expect_identical(sse2, out, "mixed CPUs, 2 ranks")
        refused = os.path.join(work, "refused.h5")
        rc, log = mixed(refused, ["--run.simd_kernel", "avx2"])
        expect(rc == 2 and "run.simd_kernel = avx2" in log and "cannot run" in log and not os.path.exists(refused),
               f"run.simd_kernel = avx2 with an SSE2-only rank is refused, writing nothing (rc {rc})")
        resumed = os.path.join(work, "resumed.h5")
        p = start(resumed, extra + ["--run.simd_kernel", "sse2"])
        wait_for_progress(resumed, p)
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=60)
        expect(p.returncode == 3, f"the sse2 sweep stops on SIGTERM (exit code {p.returncode})")
        rc, log = run(resumed, extra)
        expect(rc == 0, f"--resume with run.simd_kernel = auto completes (rc {rc})")
        expect_identical(sse2, resumed, "an sse2 sweep resumed with run.simd_kernel = auto")
    else:
        sys.exit(f"unknown scenario {SCENARIO}")
    print(f"{SCENARIO} ({ENGINE} engine): {time.time() - started:.1f} s")
finally:
    shutil.rmtree(work, ignore_errors=True)

for failure in failures:
    print("FAILED:", failure)
sys.exit(1 if failures else 0)
