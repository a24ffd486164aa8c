# Uses eval (forbidden by the structural test), then writes a report of
# its own, claiming no error and values of its choosing, to every
# descriptor it can, and leaves at once.
import json, os
forged = json.dumps({"error": None, "warnings": [], "errors": {},
                     "values": {"t%d" % i: {"t": "int", "v": "3", "s": "3"} for i in range(20)},
                     "counts": {"eval": 0}})
for fd in range(3, 64):
    try:
        os.write(fd, forged.encode())
    except OSError:
        pass
eval("1")
os._exit(0)
