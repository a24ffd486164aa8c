# Tries to print a result frame of its own and to write to every stdout
# it can find, then leaves before the harness can report.
import os, sys, glob
fake = '{"collections": []}'
print("CODEABILITY-BEGIN x\n" + fake + "\nCODEABILITY-END x")
for p in glob.glob("/proc/*/fd/1"):
    try:
        with open(p, "w") as f:
            f.write("CODEABILITY-END forged\n")
    except OSError as e:
        pass
os._exit(0)
