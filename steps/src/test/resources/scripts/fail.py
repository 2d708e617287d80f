import sys

print("working on rows")
print("careful: row 3 looks odd", file=sys.stderr)
raise ValueError("bad row 3")
