#!/usr/bin/env bash
# Builds the bench module and runs EngineOverheadBenchmark for N = 1,000, 10,000 and 100,000 steps (4-7 minutes on
# 2 cores before output reuse; with it, N = 100,000 alone takes over 10 minutes: see README), then prints time per run
# and per step. Extra arguments go to every JMH run, e.g.
#   bench/run.sh -p shape=wide                               only the wide DAG
#   bench/run.sh -jvmArgsAppend '-Xms10g -Xmx10g -Xmn8g -XX:+AlwaysPreTouch'   no GC inside a run
# Results: bench/target/jmh/steps-N.json. Set MVN_OFFLINE=-o to build without the network.
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q ${MVN_OFFLINE:-} -pl bench package
# A private copy of core and the other jars: a concurrent `mvn install` of core must not swap classes under a run.
rm -rf bench/target/lib
mvn -B -q ${MVN_OFFLINE:-} -pl bench dependency:copy-dependencies -DoutputDirectory=target/lib
cp="bench/target/classes:bench/target/lib/*"
out=bench/target/jmh
mkdir -p "$out"

# steps, warmup iterations, measurement iterations: single shots, so small runs get more of both.
for spec in "1000 20 20" "10000 10 10" "100000 3 6"; do
  read -r n wi i <<<"$spec"
  java -cp "$cp" org.openjdk.jmh.Main EngineOverheadBenchmark -p steps="$n" -wi "$wi" -i "$i" \
    -rf json -rff "$out/steps-$n.json" "$@"
done

python3 - "$out" <<'EOF'
import json, sys
print(f"\n{'benchmark':<9} {'shape':<6} {'N':>7} {'ms/run':>9} {'±99.9%':>9} {'median':>9} {'min':>9}"
      f" | {'µs/step':>8} {'±99.9%':>8} {'median':>8} {'min':>8}")
for n in (1000, 10000, 100000):
    try:
        results = json.load(open(f"{sys.argv[1]}/steps-{n}.json"))
    except FileNotFoundError:
        continue
    for r in results:
        m = r["primaryMetric"]
        raw = sorted(x for fork in m["rawData"] for x in fork)
        steps = int(r["params"]["steps"])
        row = [float(x) for x in (m["score"], m["scoreError"], m["scorePercentiles"]["50.0"], raw[0])]
        print(f"{r['benchmark'].rsplit('.', 1)[1]:<9} {r['params']['shape']:<6} {steps:>7} "
              + " ".join(f"{x:>9.1f}" for x in row) + " | " + " ".join(f"{x * 1000 / steps:>8.2f}" for x in row))
EOF
