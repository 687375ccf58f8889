#!/usr/bin/env bash
# Runs `kdnn bench` from an unpacked bare-machine bundle (see bundle.sh beside it in the kdnn
# repository): RESULTS_DIR gets the machine's description and each run's text and JSON.
# usage: ./run.sh RESULTS_DIR [kdnn bench arguments...]
#   no arguments: the scaling curves (1, 2, 4... threads up to the cores) of MobileNetV2 and
#   ResNet-50 at batch 1 and 16 and of U-Net and WaveNet at batch 1, then the quick architecture
#   run on all cores; KDNN_BENCH_TIMEOUT=SECONDS bounds each run.
# The floor's comparator is compiled with gcc where there is one; else the floor records why not.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(realpath -m "${1:?usage: run.sh RESULTS_DIR [kdnn bench arguments...]}")"
shift
mkdir -p "$out" "$here/build"
{ date -u; lscpu; free -g; echo "gcc: $(command -v gcc || echo none)"; } > "$out/machine.txt" 2>&1
cp="$here/classes:$here/test-classes:$(ls "$here"/lib/*.jar | tr '\n' ':')"
bench() {
    local name="$1"
    shift
    echo "== $name from $(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
    ${KDNN_BENCH_TIMEOUT:+timeout "$KDNN_BENCH_TIMEOUT"} "$here/jre/bin/java" --enable-native-access=ALL-UNNAMED \
        -Dslf4j.internal.verbosity=ERROR -Dkdnn.shared="$here/shared" -Dkdnn.bench.build.dir="$here/build" \
        -Dkdnn.bench.source="$here/bench_conv.c" -Djava.awt.headless=true -cp "$cp" kdnn.bench.BenchMain "$@" \
        > "$out/$name.txt" 2>&1
    echo "== $name exit $? at $(date -u +%T)" >> "$out/machine.txt"
}
if [ $# -gt 0 ]; then
    bench bench "$@"
    exit 0
fi
cores="$(nproc)"
counts=1
for ((c = 2; c <= cores; c *= 2)); do counts="$counts,$c"; done
[ "${counts##*,}" = "$cores" ] || counts="$counts,$cores"
a="$here/shared/architectures"
bench scaling-cnn --models "$a/mobilenet_v2.json" "$a/resnet50.json" --scaling "$counts" --json "$out/scaling-cnn.json"
bench scaling-b1 --models "$a/unet.json" "$a/wavenet.json" --scaling "$counts" --quick --json "$out/scaling-b1.json"
bench quick --models --quick --no-dl4j --json "$out/quick.json"
