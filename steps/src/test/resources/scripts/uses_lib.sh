# Sources a file beside it, so that editing that file matters.
source ./lib.sh
echo $((SCALE * $2)) > "$1/n.txt"
