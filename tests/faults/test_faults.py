#!/usr/bin/env python3
"""No fault hangs a sweep: a failure at any site on any rank ends every rank within seconds, with
one message and exit code 4; --resume without the fault then ends bit for bit as an uninterrupted
run. Also: a real full disk (a small tmpfs, as root), two runs on one file, a changed input file.

    test_faults.py ATTNMF CONFIG SCENARIO [RANKS]
      SCENARIO: sites | enospc | concurrent | inputs | trajectory
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "slurm"))
import compare_h5  # noqa: E402  (the bitwise comparison the SLURM scenarios use)

ATTNMF, CONFIG, RANKS = None, None, 1  # set by configure()
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
ENV.pop("ATTNMF_FAULT", None)
# Small blocks, so that every rank of three computes some points and reaches every site.
SMALL = ["--sweep.beta", "1.24:1.28:48", "--run.steps", "120000", "--run.transient", "100000",
         "--analysis.samples", "2000", "--analysis.section_max", "50", "--analysis.lyapunov", "1",
         "--parallel.block_points", "4", "--parallel.threads_per_rank", "1", "-q"]
FAULT_EXIT = 4
DEADLINE = 30  # seconds for every process to end after a fault
failures = []


def configure(attnmf, config, ranks):
    """The program, the configuration file and the rank count the scenarios use (also for
    tests/faults/stress.py, which imports this file)."""
    global ATTNMF, CONFIG, RANKS
    ATTNMF, CONFIG, RANKS = attnmf, config, ranks


def command(output, ranks, extra=(), resume=True):
    # `extra` may give a key of SMALL anew: it replaces SMALL's value.
    given = {extra[i] for i in range(0, len(extra) - 1) if str(extra[i]).startswith("--")}
    small = []
    for i in range(0, len(SMALL)):
        if SMALL[i] in given or (i > 0 and SMALL[i - 1] in given):
            continue
        small.append(SMALL[i])
    base = [ATTNMF, "sweep", "--config", CONFIG, "--output.file", output] + small + list(extra) + \
        (["--resume"] if resume else [])
    return (["mpirun", "--oversubscribe", "--bind-to", "none", "-np", str(ranks)] + base) if ranks > 1 else base


def run(output, ranks, extra=(), resume=True, env=None, timeout=300):
    started = time.time()
    try:
        p = subprocess.run(command(output, ranks, extra, resume), env=env or ENV, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=timeout, start_new_session=True)
        return p.returncode, p.stdout, time.time() - started
    except subprocess.TimeoutExpired as e:
        return None, (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or ""), time.time() - started


def expect_identical(reference, path, what):
    problems, _ = compare_h5.differences(reference, path)
    if problems:
        failures.append(f"{what}: not bit-identical to the uninterrupted run: {problems}")
    elif os.path.exists(path + ".journal") or os.path.exists(path + ".lock"):
        failures.append(f"{what}: the journal or the lock outlived the complete sweep")
    else:
        print(f"ok: {what}")


def reference(work, extra=()):
    path = os.path.join(work, "reference.h5")
    rc, out, _ = run(path, 1, extra, resume=False)
    if rc != 0:
        sys.exit(f"the uninterrupted reference run failed ({rc}):\n{out}")
    return path


def leftover_ranks(output):
    """attnmf processes of the sweep writing `output` still alive (a rank that did not end); other
    attnmf processes on the machine (another test's) are not this test's business."""
    alive = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    args = f.read().split(b"\0")
                with open(f"/proc/{entry}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if args and args[0] == ATTNMF.encode() and output.encode() in args and state != "Z":
                alive.append(int(entry))
    return alive


def faulted_then_resumed(work, ref, site, rank, occurrence, what, name=None, unreached_ok=False):
    """Returns "unreached" when the sweep never came to the fault (allowed with unreached_ok: the
    sweep must then be complete and identical), else None."""
    out_path = os.path.join(work, name or f"{site}-{rank}.h5")
    env = dict(ENV, ATTNMF_FAULT=f"{site}:{rank}:{occurrence}")
    rc, out, seconds = run(out_path, RANKS, env=env, resume=False, timeout=120)
    if rc is None:
        failures.append(f"{what}: still running after 120 s (a hang)")
        return None
    if rc == 0 and unreached_ok and "injected fault" not in out:
        expect_identical(ref, out_path, f"{what} (the fault's occurrence never came)")
        return "unreached"
    if rc != FAULT_EXIT:
        failures.append(f"{what}: exit code {rc}, not {FAULT_EXIT}:\n{out}")
        return None
    if seconds > DEADLINE:
        failures.append(f"{what}: the job took {seconds:.0f} s to end, over {DEADLINE} s")
    if f"injected fault at {site}" not in out or f"rank {rank} on host" not in out:
        failures.append(f"{what}: the message does not name the site and the rank:\n{out}")
    if "--resume" not in out:
        failures.append(f"{what}: the message does not say how to continue:\n{out}")
    if leftover_ranks(out_path):
        failures.append(f"{what}: attnmf processes outlived the job: {leftover_ranks(out_path)}")
    print(f"{what}: exit {rc} after {seconds:.1f} s: {out.strip().splitlines()[-1] if out.strip() else ''}")
    rc, out, _ = run(out_path, RANKS)
    if rc != 0:
        failures.append(f"{what}: --resume without the fault failed ({rc}):\n{out}")
        return None
    expect_identical(ref, out_path, f"{what}, then --resume")
    return None


def scenario_sites(work):
    ref = reference(work)
    last = RANKS - 1
    # (site, occurrence): after some points (the work loop), or in the middle of the collective steps.
    for site, occurrence in [("journal_append", 2), ("row_write", 2), ("compute", 2), ("dataset_create", 5),
                             ("file_close", 1)]:
        for rank in sorted({0, last}):
            faulted_then_resumed(work, ref, site, rank, occurrence, f"{RANKS} rank(s), {site} fault on rank {rank}")


def scenario_enospc(work):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        print("skipped: mounting a small tmpfs needs root")
        sys.exit(77)
    ref = reference(work)
    # A file system too small for the sweep: the dataset creation or the journal fills it.
    # 1 MiB of space reserve, a file of ~2.6 MB, a journal of ~55 kB a point.
    for size, where in [("200k", "the space reserve"), ("2m", "file creation"), ("5m", "the journal")]:
        mount = os.path.join(work, "small")
        os.makedirs(mount, exist_ok=True)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", mount]).returncode != 0:
            print("skipped: cannot mount a tmpfs here")
            sys.exit(77)
        try:
            out_path = os.path.join(mount, "sweep.h5")
            rc, out, seconds = run(out_path, RANKS, resume=False, timeout=120)
            what = f"{RANKS} rank(s), full disk ({size}) during {where}"
            if rc is None:
                failures.append(f"{what}: still running after 120 s (a hang)")
            elif rc != FAULT_EXIT or ("No space left on device" not in out and "is full" not in out):
                failures.append(f"{what}: exit code {rc}, not {FAULT_EXIT} with 'No space left on device':\n{out}")
            else:
                print(f"{what}: exit {rc} after {seconds:.1f} s")
                # Free space (the same file system, grown), then continue.
                subprocess.run(["mount", "-o", "remount,size=400m", mount], check=True)
                rc, out, _ = run(out_path, RANKS)
                if rc != 0:
                    failures.append(f"{what}: --resume after freeing space failed ({rc}):\n{out}")
                else:
                    expect_identical(ref, out_path, f"{what}, then --resume")
        finally:
            subprocess.run(["umount", "-l", mount])


def scenario_concurrent(work):
    stale_lock(work, reference(work))
    os.remove(os.path.join(work, "reference.h5"))
    longer = ["--run.steps", "2000000", "--run.transient", "1900000"]  # seconds, so that runs overlap
    ref = reference(work, longer)
    for trial, resume in [(0, True), (1, False)]:
        out_path = os.path.join(work, f"concurrent-{trial}.h5")
        first = subprocess.Popen(command(out_path, RANKS, longer, resume=resume), env=ENV, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        end = time.time() + 60
        while not os.path.exists(out_path + ".lock") and time.time() < end and first.poll() is None:
            time.sleep(0.02)
        rc, out, _ = run(out_path, RANKS, longer, resume=resume)
        what = f"{RANKS} rank(s), a second run {'with' if resume else 'without'} --resume while one runs"
        if rc != 2 or "is in use by attnmf pid" not in out:
            failures.append(f"{what}: exit code {rc}, not 2 naming the holder:\n{out}")
        else:
            print(f"{what}: refused: {[l for l in out.splitlines() if 'in use' in l][0].strip()}")
        first_out = first.communicate(timeout=300)[0]
        if first.returncode != 0:
            failures.append(f"{what}: the first run failed ({first.returncode}):\n{first_out}")
        else:
            expect_identical(ref, out_path, f"{what}: the first run's file")


def stale_lock(work, ref):
    """A lock file left by a process that died (kill -9 leaves one) is taken over, and that is said."""
    out_path = os.path.join(work, "stale.h5")
    with open(out_path + ".lock", "w") as f:
        f.write(f"{os.uname().nodename} 999999999 2026-01-01T00:00:00Z\n")
    rc, out, _ = run(out_path, RANKS, resume=False)
    if rc != 0 or "took over the lock" not in out or "no longer running" not in out:
        failures.append(f"a stale lock file: exit code {rc}, not 0 saying it took over the dead holder's lock:\n{out}")
    else:
        expect_identical(ref, out_path, "a stale lock file taken over")


def scenario_inputs(work):
    window = os.path.join(work, "window.txt")
    shutil.copy(os.path.join(os.path.dirname(CONFIG), "paper_checkpoint_window.txt"), window)
    out_path = os.path.join(work, "inputs.h5")
    p = subprocess.Popen(command(out_path, RANKS, ["--init.checkpoint", window], resume=False), env=ENV,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    end = time.time() + 60
    while time.time() < end and p.poll() is None and not (
            os.path.isdir(out_path + ".journal") and any(n.endswith(".journal") and os.path.getsize(os.path.join(out_path + ".journal", n)) > 0
                                                         for n in os.listdir(out_path + ".journal"))):
        time.sleep(0.02)
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=120)
    if p.returncode != 3:
        sys.exit(f"the sweep to interrupt ended with {p.returncode}, not 3 (interrupted)")
    with open(window) as f:
        text = f.read()
    with open(window, "w") as f:  # one digit of one attention value
        f.write(text.replace("0.4001732976785555", "0.4001732976785556"))
    before = sorted(os.listdir(work))
    rc, out, _ = run(out_path, RANKS, ["--init.checkpoint", window])
    if rc != 2 or "init.checkpoint: the contents of the file changed" not in out:
        failures.append(f"--resume after the window file changed: exit code {rc}, not 2 naming init.checkpoint:\n{out}")
    elif sorted(os.listdir(work)) != before:
        failures.append("--resume after the window file changed: the refusal changed the directory")
    else:
        print("ok: --resume after the window file changed is refused, naming init.checkpoint")
    with open(window, "w") as f:
        f.write(text)
    # The same contents under another path is the same input.
    moved = os.path.join(work, "moved-window.txt")
    shutil.copy(window, moved)
    rc, out, _ = run(out_path, RANKS, ["--init.checkpoint", moved])
    if rc != 0:
        failures.append(f"--resume with the same window under another path: exit code {rc}:\n{out}")
    else:
        print("ok: the same window contents under another path resume")


def scenario_trajectory(work):
    base = [ATTNMF, "trajectory", "--config", os.path.join(os.path.dirname(CONFIG), "paper-trajectory.ini")]
    # SIGTERM is honoured between steps however slow they are: M = 16 makes milliseconds of a step.
    out_path = os.path.join(work, "m16.h5")
    p = subprocess.Popen(base + ["--model.features", "16", "--init.mode", "token", "--weights.correlations", "weights",
                                 "--run.steps", "200000", "--run.transient", "100000", "--output.file", out_path],
                         env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(2)
    p.send_signal(signal.SIGTERM)
    signalled = time.time()
    try:
        out = p.communicate(timeout=30)[0]
        took = time.time() - signalled
        if p.returncode != 3 or took > 5:
            failures.append(f"trajectory at M = 16: exit code {p.returncode} {took:.1f} s after SIGTERM, not 3 within 5 s:\n{out}")
        else:
            print(f"ok: trajectory at M = 16 stopped {took:.1f} s after SIGTERM")
    except subprocess.TimeoutExpired:
        p.kill()
        failures.append("trajectory at M = 16: still running 30 s after SIGTERM")
    if os.geteuid() != 0 or shutil.which("mount") is None:
        print("the full-disk case needs root to mount a tmpfs: not run")
        return
    mount = os.path.join(work, "small")
    os.makedirs(mount, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1500k", "tmpfs", mount]).returncode != 0:
        print("cannot mount a tmpfs here: the full-disk case is not run")
        return
    try:
        rc, out = None, ""
        p = subprocess.run(base + ["--run.steps", "200000", "--run.transient", "100000", "--output.file",
                                   os.path.join(mount, "t.h5")], env=ENV, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=120)
        rc, out = p.returncode, p.stdout
        if rc != 1 or "is full" not in out or os.listdir(mount):
            failures.append(f"trajectory on a full disk: exit code {rc} (not 1 saying the disk is full), left {os.listdir(mount)}:\n{out}")
        else:
            print("ok: trajectory on a full disk exits 1, says the disk is full, and leaves nothing")
    finally:
        subprocess.run(["umount", "-l", mount])


def main():
    configure(sys.argv[1], sys.argv[2], int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    scenario = sys.argv[3]
    work = tempfile.mkdtemp(prefix=f"attnmf-faults-{scenario}-")
    try:
        {"sites": scenario_sites, "enospc": scenario_enospc, "concurrent": scenario_concurrent,
         "inputs": scenario_inputs, "trajectory": scenario_trajectory}[scenario](work)
    finally:
        subprocess.run(["umount", "-l", os.path.join(work, "small")], stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAILED:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
