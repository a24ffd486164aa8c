# The CodeAbility test harness of Computor Tasks. It runs in the sandbox,
# read-only, as two kinds of process:
#
#   harness.py parent   reads the job (a nonce line, then JSON) from stdin,
#                       makes itself non-dumpable, checks exist and
#                       structural collections without running any code,
#                       then runs each collection in a fresh child process
#                       and writes one framed JSON result to stdout.
#   harness.py child    runs one collection: the entry point, setUpCode,
#                       tearDownCode, then evaluates the requested names
#                       and writes their typed encoding to a pipe.
#
# The student's code runs only in children. A child's stdin, stdout and
# stderr are pipes of the parent, and no other descriptor of the parent
# reaches it: it cannot write to the sandbox's stdout, read the nonce, or
# read the parent's memory (the parent is not dumpable, and ptrace is
# denied by the sandbox). What a child reports about its own values is
# untrusted; the grader compares them outside the sandbox.
import json
import os
import select
import signal
import subprocess
import sys
import time

OUTPUT_MAX = 1 << 20  # bytes of a child's stdout or stderr kept
RESULT_MAX = 4 << 20  # bytes of a child's encoded values read
ITEMS_MAX = 100000  # elements encoded per value
TEXT_MAX = 10000  # characters of str() kept per value


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "child":
        child(int(sys.argv[2]), int(sys.argv[3]))
    else:
        parent()


# ---------------------------------------------------------------- parent


def undumpable():
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_DUMPABLE = 4
        return libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    except Exception:
        return False


def read_all(fd):
    chunks = []
    while True:
        b = os.read(fd, 65536)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def parent():
    protected = undumpable()
    raw = read_all(0)
    # fd 0 stays taken (by /dev/null), so that no pipe made later lands on
    # it and is clobbered when a child's stdin is set up.
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    nonce, _, body = raw.partition(b"\n")
    nonce = nonce.decode("ascii")
    job = json.loads(body)
    workdir = os.getcwd()
    out = {"dumpable": not protected, "collections": []}
    colls = job["collections"]
    # Static checks first, before any submitted code has run.
    static = [static_checks(c, workdir) for c in colls]
    for c, st in zip(colls, static):
        r = dict(st)
        if c.get("run"):
            r.update(run_child(c, workdir))
        out["collections"].append(r)
    data = json.dumps(out, allow_nan=False).encode()
    frame = b"CODEABILITY-BEGIN " + nonce.encode() + b"\n" + data + b"\nCODEABILITY-END " + nonce.encode() + b"\n"
    view = memoryview(frame)
    while view:
        n = os.write(1, view)
        view = view[n:]


def static_checks(c, workdir):
    r = {}
    if c.get("exist"):
        import glob

        r["exist"] = len(glob.glob(c["exist"], root_dir=workdir))
    names = c.get("count_names")
    if names:
        r["counts"], r["count_error"] = count_names(os.path.join(workdir, c["file"]), names)
    return r


def count_names(path, names):
    """Counts NAME tokens (identifiers and keywords) of a source file, as
    the published engine's structural tests do with tokenize."""
    import io
    import tokenize

    counts = {n: 0 for n in names}
    try:
        with open(path, "rb") as f:
            src = f.read(8 << 20)
        for tok in tokenize.tokenize(io.BytesIO(src).readline):
            if tok.type == tokenize.NAME and tok.string in counts:
                counts[tok.string] += 1
    except FileNotFoundError:
        return counts, "file %s not found" % os.path.basename(path)
    except Exception as e:
        return counts, "file %s could not be read as Python source: %s" % (os.path.basename(path), type(e).__name__)
    return counts, ""


def run_child(c, workdir):
    job_r, job_w = os.pipe()
    res_r, res_w = os.pipe()
    answers = c.get("inputAnswers") or []
    stdin = ("\n".join(answers) + "\n").encode() if answers else b""
    started = time.monotonic()
    try:
        p = subprocess.Popen(
            [sys.executable, "-I", os.path.abspath(__file__), "child", str(job_r), str(res_w)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(job_r, res_w), close_fds=True, cwd=workdir, start_new_session=True,
        )
    except Exception as e:
        return {"status": "crashed", "error": "could not start the program: %s" % type(e).__name__}
    os.close(job_r)
    os.close(res_w)
    os.write(job_w, json.dumps(c).encode())
    os.close(job_w)
    timeout = float(c.get("timeout") or 180)
    out_fd, err_fd = p.stdout.fileno(), p.stderr.fileno()
    buf = {out_fd: bytearray(), err_fd: bytearray(), res_r: bytearray()}
    cap = {out_fd: OUTPUT_MAX, err_fd: OUTPUT_MAX, res_r: RESULT_MAX}
    pending_in = memoryview(stdin)
    if not pending_in:
        p.stdin.close()
    open_fds = set(buf)
    timed_out = False
    while open_fds:
        left = timeout - (time.monotonic() - started)
        if left <= 0:
            timed_out = True
            break
        wl = [p.stdin.fileno()] if pending_in and not p.stdin.closed else []
        rl, wr, _ = select.select(list(open_fds), wl, [], min(left, 1.0))
        for fd in wr:
            try:
                n = os.write(fd, pending_in[:65536])
                pending_in = pending_in[n:]
            except OSError:
                pending_in = memoryview(b"")
            if not pending_in:
                p.stdin.close()
        for fd in rl:
            b = os.read(fd, 65536)
            if not b:
                open_fds.discard(fd)
                continue
            room = cap[fd] - len(buf[fd])
            buf[fd] += b[:max(room, 0)]
    if timed_out:
        kill_group(p)
    else:
        try:
            p.wait(timeout=max(timeout - (time.monotonic() - started), 0.1))
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(p)
    kill_group(p)  # what the program left running
    elapsed = time.monotonic() - started
    for f in (p.stdin, p.stdout, p.stderr):
        try:
            f.close()
        except Exception:
            pass
    os.close(res_r)
    r = {
        "stdout": bytes(buf[out_fd]).decode("utf-8", "replace"),
        "stderr": bytes(buf[err_fd]).decode("utf-8", "replace")[-4000:],
        "duration": elapsed,
        "exitcode": p.returncode,
    }
    if timed_out:
        r["status"] = "timeout"
        r["error"] = "time limit of %gs exceeded" % timeout
        return r
    try:
        report = json.loads(bytes(buf[res_r]).decode("utf-8")) if buf[res_r] else None
    except Exception:
        report = None
    if not isinstance(report, dict):
        r["status"] = "crashed"
        r["error"] = "the program ended (exit code %s) before it could be checked" % p.returncode
        return r
    r["status"] = "completed"
    r["report"] = report
    return r


def kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except Exception:
        pass
    try:
        p.kill()
    except Exception:
        pass
    try:
        p.wait(timeout=5)
    except Exception:
        pass


# ----------------------------------------------------------------- child


def child(job_fd, res_fd):
    job = json.loads(read_all(job_fd))
    os.close(job_fd)
    res = os.fdopen(res_fd, "w", encoding="utf-8")
    import builtins
    import random
    import traceback
    import warnings

    workdir = os.getcwd()
    sys.path.insert(0, workdir)
    random.seed(1)  # as the published engine does
    try:
        import matplotlib

        matplotlib.use("Agg")
    except Exception:
        pass

    entry = job.get("entryPoint")
    ns = {"__name__": "__main__", "__builtins__": builtins}
    report = {"error": None, "warnings": [], "values": {}, "errors": {}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if entry:
                path = os.path.join(workdir, entry)
                ns["__file__"] = path
                sys.argv = [path]
                with open(path, "rb") as f:
                    src = f.read()
                exec(compile(src, path, "exec"), ns)
            for code in job.get("setUpCode") or []:
                exec(compile(code, "<setUpCode>", "exec"), ns)
            for code in job.get("tearDownCode") or []:
                exec(compile(code, "<tearDownCode>", "exec"), ns)
        except SystemExit as e:
            if e.code not in (None, 0):
                report["error"] = {"type": "SystemExit", "message": str(e.code)}
        except BaseException as e:
            tb = traceback.extract_tb(e.__traceback__)
            line = tb[-1].lineno if tb else None
            report["error"] = {"type": type(e).__name__, "message": str(e)[:2000], "line": line}
        report["warnings"] = ["%s: %s" % (w.category.__name__, w.message) for w in caught][:100]
    if report["error"] is None:
        for key, expr in (job.get("exprs") or {}).items():
            try:
                v = ns[expr] if expr in ns else eval(expr, ns)
                report["values"][key] = encode(v, 0, [0])
            except BaseException as e:
                report["errors"][key] = "%s: %s" % (type(e).__name__, str(e)[:500])
    try:
        sys.stdout.flush()
    except Exception:
        pass
    res.write(json.dumps(report, allow_nan=False))
    res.flush()
    os._exit(0)


def text(v):
    try:
        s = str(v)
    except BaseException:
        s = "<unprintable>"
    return s[:TEXT_MAX]


def num(f):
    if f != f:
        return "nan"
    if f in (float("inf"), float("-inf")):
        return "inf" if f > 0 else "-inf"
    return f


def encode(v, depth, budget):
    """Encodes a value with its Python type, so that the grader can check
    types and shapes the way the published engine does."""
    budget[0] += 1
    if depth > 60 or budget[0] > ITEMS_MAX:
        raise ValueError("value too large or too deeply nested to compare")
    s = text(v)
    t = type(v)
    if v is None:
        return {"t": "NoneType", "s": s}
    if t is bool:
        return {"t": "bool", "v": v, "s": s}
    if t is int:
        return {"t": "int", "v": str(v), "s": s}
    if t is float:
        return {"t": "float", "v": num(v), "s": s}
    if t is complex:
        return {"t": "complex", "v": [num(v.real), num(v.imag)], "s": s}
    if t is str:
        return {"t": "str", "v": v, "s": s}
    if t in (bytes, bytearray):
        return {"t": t.__name__, "v": v.decode("latin-1"), "s": s}
    if t in (list, tuple, range):
        return {"t": t.__name__, "items": [encode(x, depth + 1, budget) for x in v], "s": s}
    if t in (set, frozenset):
        items = [encode(x, depth + 1, budget) for x in v]
        items.sort(key=lambda e: json.dumps(e, sort_keys=True))
        return {"t": t.__name__, "items": items, "s": s}
    if t is dict:
        keys, vals = [], []
        for k, x in v.items():
            keys.append(encode(k, depth + 1, budget))
            vals.append(encode(x, depth + 1, budget))
        return {"t": "dict", "keys": keys, "items": vals, "s": s}
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(v, np.ndarray):
            if v.size > ITEMS_MAX:
                raise ValueError("array too large to compare")
            flat = [encode(x.item() if hasattr(x, "item") else x, depth + 1, budget) for x in v.reshape(-1)]
            return {"t": "ndarray", "dtype": str(v.dtype), "shape": list(v.shape), "items": flat, "s": s}
        if isinstance(v, np.generic):
            return {"t": "numpy", "type": "numpy." + t.__name__, "dtype": str(v.dtype), "v": encode(v.item(), depth + 1, budget), "s": s}
    name = t.__module__ + "." + t.__qualname__ if t.__module__ != "builtins" else t.__qualname__
    return {"t": "other", "type": name, "s": s}


if __name__ == "__main__":
    main()
