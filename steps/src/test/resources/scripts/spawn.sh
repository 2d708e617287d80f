# Starts a long child, says who is who, and waits: a step that only a kill can stop.
sleep 600 &
echo "child $!"
echo "parent $$"
wait
