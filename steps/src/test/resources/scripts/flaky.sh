# Fails the first time (leaving a half-written output behind), succeeds the next.
if [ ! -e "$MARKER" ]; then
  echo "failed once" > "$MARKER"
  echo half > "$1/part-0.csv"
  echo "disk full, pretend" >&2
  exit 3
fi
echo complete > "$1/part-1.csv"
