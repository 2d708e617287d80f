"""Multiplies the numbers of a CSV file: reads its paths from the arguments, checks the PW_ variables agree."""
import argparse
import os
import pathlib

parser = argparse.ArgumentParser()
parser.add_argument("--raw", required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--factor", type=int, required=True)
args = parser.parse_args()

numbers = [int(line) for line in pathlib.Path(args.raw).read_text().split()]
out = pathlib.Path(args.out)
(out / "scaled.csv").write_text("".join(f"{n * args.factor}\n" for n in numbers))
pathlib.Path("scratch.txt").write_text("written in the working directory\n")

env = os.environ
facts = {
    "step": env["PW_STEP"],
    "run": env["PW_RUN_ID"],
    "attempt": env["PW_ATTEMPT"],
    "param": env["PW_PARAM_FACTOR"],
    "input": env["PW_INPUT_RAW"],
    "output_matches": str(env["PW_OUTPUT_SCALED"] == args.out),
    "greeting": env.get("GREETING", "-"),
    "cwd_has_script": str(os.path.exists("scale.py")),
    "cwd": os.getcwd(),
}
(out / "facts.txt").write_text("".join(f"{k}={v}\n" for k, v in facts.items()))
print(f"scaled {len(numbers)} numbers by {args.factor}")
