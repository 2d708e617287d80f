"""The prep step of the digits-script example: the same work as the Java prep of `digits`, in Python.

Checks each row of the raw data (64 pixels 0..16, then a digit), scales the pixels to 0..1 and splits the rows,
stratified by digit, into train.csv and test.csv (CSV without a header: the 64 scaled pixels, then the digit).
Standard library only. A malformed row stops the script with "FILE:LINE: what is wrong" on stderr and status 2.
"""

import argparse
import csv
import gzip
import io
import os
import random
import sys

PIXELS = 64
MAX_PIXEL = 16


class Malformed(Exception):
    pass


def scaled_row(fields):
    if len(fields) != PIXELS + 1:
        raise Malformed(f"expected {PIXELS + 1} fields ({PIXELS} pixels and the digit), found {len(fields)}")
    row = []
    for i, field in enumerate(fields[:PIXELS]):
        try:
            pixel = int(field.strip())
        except ValueError:
            raise Malformed(f"pixel {i} is '{field}', not an integer")
        if not 0 <= pixel <= MAX_PIXEL:
            raise Malformed(f"pixel {i} is {pixel}, outside 0..{MAX_PIXEL}")
        row.append(repr(pixel / MAX_PIXEL))  # k/16 is exact: '0.0625', as Java writes it
    digit = fields[PIXELS].strip()
    if len(digit) != 1 or not digit.isdigit():
        raise Malformed(f"the label is '{digit}', not a digit 0-9")
    row.append(digit)
    return row


def read_rows(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        rows = []
        for line_number, fields in enumerate(csv.reader(f), start=1):
            if not fields:
                continue
            try:
                rows.append(scaled_row(fields))
            except Malformed as e:
                print(f"{path}:{line_number}: {e}", file=sys.stderr)
                sys.exit(2)
        return rows


def stratified_test_rows(rows, test_fraction, seed):
    """The indices of the test rows: the same fraction of each digit, chosen with a seeded shuffle."""
    by_digit = {}
    for index, row in enumerate(rows):
        by_digit.setdefault(row[-1], []).append(index)
    chooser = random.Random(seed)
    test = set()
    for digit in sorted(by_digit):
        indices = by_digit[digit]
        chooser.shuffle(indices)
        test.update(indices[:round(len(indices) * test_fraction)])
    return test


def write(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(",".join(row) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the raw CSV, plain or gzip")
    parser.add_argument("--train", required=True, help="the folder to write train.csv into")
    parser.add_argument("--test", required=True, help="the folder to write test.csv into")
    parser.add_argument("--test-fraction", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args()
    if not 0 < args.test_fraction < 1:
        print(f"--test-fraction must be between 0 and 1, was {args.test_fraction}", file=sys.stderr)
        sys.exit(2)

    rows = read_rows(args.data)
    test = stratified_test_rows(rows, args.test_fraction, args.seed)
    write(os.path.join(args.train, "train.csv"), [r for i, r in enumerate(rows) if i not in test])
    write(os.path.join(args.test, "test.csv"), [r for i, r in enumerate(rows) if i in test])
    print(f"scaled {len(rows)} rows: {len(rows) - len(test)} to train, {len(test)} to test (seed {args.seed})")


if __name__ == "__main__":
    main()
