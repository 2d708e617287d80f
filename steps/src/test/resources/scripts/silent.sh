echo "did nothing"
