# Prints on both streams, then waits for a file that the test creates on seeing the first line in the step log.
echo ready
echo "a warning" >&2
for _ in $(seq 500); do
  if [ -e "$GO_FILE" ]; then
    echo "saw go"
    exit 0
  fi
  sleep 0.02
done
echo "nobody saw 'ready' while the script ran" >&2
exit 1
