# Scores one partition as score.py does, quicker to start: upper-cases its file into the partition's folder.
part=$1 out=$2 name=$3
if [ "$PW_PARTITION" != "$part" ] || [ "$PW_OUTPUT_SCORES" != "$out" ] || [ "$PW_PARTITION_NAME" != "$name" ]; then
  echo "the PW_ variables disagree with the arguments" >&2
  exit 9
fi
if grep -q bad "$part"; then
  echo "cannot score $name" >&2
  exit 3
fi
printf '%s%s' "$(tr a-z A-Z < "$part")" "$(cat suffix.txt)" > "$out/score.txt"
echo "scored $name"
