#!/usr/bin/env bash
echo "tool says $1"
mkdir -p "$PW_OUTPUT_OUT"
echo "$1" > "$PW_OUTPUT_OUT/said.txt"
