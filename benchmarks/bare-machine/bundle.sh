#!/usr/bin/env bash
# Packs what `kdnn bench --models` needs to run on a bare x86-64 Linux machine (no JDK, no Maven,
# no network: a many-core server to measure scaling on) into one file of about 45 MB: a Java
# runtime linked with jlink from the JDK kdnn builds with (no java.desktop, so no chart), kdnn's
# classes and the benchmarks', the libraries they load (ONNX Runtime and oneDNN trimmed to linux
# x86-64), the architecture configs, native/bench_conv.c and run.sh. DL4J stays behind (--no-dl4j).
# usage: benchmarks/bare-machine/bundle.sh [OUT.tar.xz]      (default: target/bare-machine.tar.xz)
# there: mkdir k && tar xJf OUT.tar.xz -C k && k/run.sh RESULTS_DIR [kdnn bench arguments...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$(realpath -m "${1:-$repo/target/bare-machine.tar.xz}")"
build="${KDNN_BUILD_DIR:-$repo/target}"
# builds the benchmarks if needed (the run itself refuses --threads 0 at once)
"$repo/kdnn" bench --threads 0 >/dev/null 2>&1 || true
[ -f "$build/test-classpath.txt" ] || { echo "bundle: the benchmarks did not build ($build/build.log)" >&2; exit 1; }
jdk=""
for d in "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/*; do
    if [ -x "$d/bin/jlink" ] && "$d/bin/java" -version 2>&1 | grep -qE 'version "(2[2-9]|[3-9][0-9])'; then jdk="$d"; break; fi
done
[ -n "$jdk" ] || { echo "bundle: no JDK 22+ with jlink found (set JAVA_HOME to one)" >&2; exit 1; }
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib" "$stage/shared" "$stage/test-classes"
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported \
    --strip-debug --no-header-files --no-man-pages --compress zip-0 --output "$stage/jre"
entries="$(tr ':' '\n' < "$build/test-classpath.txt")"
for j in $entries; do
    case "$j" in
        *slf4j-api*|*jackson*|*compress-lzf*|*jhdf*|*commons-lang3*|*lz4-java*|*protobuf-java*) cp "$j" "$stage/lib/" ;;
    esac
done
# the native libraries of linux x86-64 alone (ONNX Runtime's jar carries five platforms)
mkdir "$stage/o" "$stage/d"
(cd "$stage/o" && unzip -q "$(grep onnxruntime <<<"$entries")" -x 'ai/onnxruntime/native/osx*' \
    'ai/onnxruntime/native/win*' 'ai/onnxruntime/native/linux-aarch64/*' && zip -q -r -0 "$stage/lib/onnxruntime-linux-x64.jar" .)
(cd "$stage/d" && unzip -q "$(grep 'dnnl.*linux-x86_64' <<<"$entries")" 'org/bytedeco/dnnl/linux-x86_64/libdnnl.so.3' \
    'org/bytedeco/dnnl/linux-x86_64/libgomp.so.1' 'org/bytedeco/dnnl/linux-x86_64/include/*' \
    && zip -q -r -0 "$stage/lib/dnnl-linux-x86_64.jar" .)
rm -rf "$stage/o" "$stage/d"
cp -r "$build/classes" "$stage/classes"
(cd "$build/test-classes" && find kdnn -name '*.class' | tar cf - -T -) | (cd "$stage/test-classes" && tar xf -)
cp -r "${KDNN_SHARED:-$repo/../shared}/architectures" "$stage/shared/"
cp "$repo/native/bench_conv.c" "$here/run.sh" "$stage/"
tar cf - -C "$stage" . | xz -9 -T0 > "$out"
ls -l "$out"
