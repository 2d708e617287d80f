"""Reads value inputs from their JSON files and writes a String output."""
import json
import sys

count = json.load(open(sys.argv[1]))
metrics = json.load(open(sys.argv[2]))
with open(sys.argv[3], "w") as f:
    json.dump(f"count={count} accuracy={metrics['accuracy']}", f)
