"""Scores one partition: upper-cases its file into the partition's folder, checking the PW_ variables agree."""
import os
import pathlib
import sys

part, out, name, index = sys.argv[1:5]
assert os.environ["PW_PARTITION"] == part and os.environ["PW_PARTITION_NAME"] == name, "partition variables"
assert os.environ["PW_PARTITION_INDEX"] == index and os.environ["PW_OUTPUT_SCORES"] == out, "index and output"
assert "PW_INPUT_IMAGES" not in os.environ, "the partitioned input has no variable"
assert not os.listdir(out), "the partition's folder is empty"
text = pathlib.Path(part).read_text()
if "bad" in text:
    print(f"cannot score {name}", file=sys.stderr)
    sys.exit(3)
suffix = pathlib.Path("suffix.txt").read_text().strip()  # beside the script
pathlib.Path("scratch.txt").write_text(name)  # in the working directory, a copy of the source folder
(pathlib.Path(out) / "score.txt").write_text(text.upper() + suffix + os.environ.get("PW_PARAM_MARK", ""))
print(f"scored {name} ({index})")
