"""Writes a Metrics output named by an argument, a value output found by its variable, and extra metrics."""
import json
import os
import sys

with open(sys.argv[1], "w") as f:
    json.dump({"accuracy": 0.9, "f1": 0.8}, f)
with open(os.environ["PW_OUTPUT_COUNT"], "w") as f:
    json.dump(42, f)
with open(os.environ["PW_METRICS_FILE"], "w") as f:
    json.dump({"loss": 0.25}, f)
