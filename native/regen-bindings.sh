#!/usr/bin/env bash
# Regenerates bindings/ (package kdnn.bindings: dnnl_h, dnnl_exec_arg_t, dnnl_version_t, omp_h) with
# jextract 22 or later, from the oneDNN headers in the org.bytedeco:dnnl Maven jar and gcc's omp.h.
#
# NOT YET RUN END-TO-END: jextract could not be installed where this script was written, so the
# files in bindings/ were written by hand in the form jextract generates. The script passes
# `bash -n` and shellcheck, and was run once with a stand-in for jextract that emits the committed
# files with jextract's usual SYMBOL_LOOKUP initializer (the result matched bindings/ exactly), but
# it has never been run with a real jextract, so its jextract invocations are untested. After running it,
# review `git diff bindings/` and run the check that compares the bindings with the headers:
#   mvn -B -q test -Dtest=BindingsMatchHeaderTest
#
# Usage: native/regen-bindings.sh
#   JEXTRACT=/path/to/jextract   jextract to use (default: jextract on PATH)
#   DNNL_JAR=/path/to/jar        the org.bytedeco:dnnl linux-x86_64 jar (default: the local Maven
#                                repository, fetched with `mvn dependency:copy` when missing)
# Needs: jextract, gcc (for omp.h), perl, unzip or jar, and mvn only when the jar must be fetched.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

die() {
    echo "regen-bindings: $*" >&2
    exit 1
}

# --- tools -------------------------------------------------------------------------------------
JEXTRACT=${JEXTRACT:-$(command -v jextract || true)}
if [[ -z "$JEXTRACT" ]]; then
    die "jextract not found: set JEXTRACT=/path/to/jextract or put jextract (22 or later,
  https://jdk.java.net/jextract/) on the PATH"
fi
[[ -x "$JEXTRACT" ]] || die "JEXTRACT=$JEXTRACT is not an executable file"
command -v gcc >/dev/null || die "gcc not found: it is needed to locate omp.h"
command -v perl >/dev/null || die "perl not found"
echo "regen-bindings: using $("$JEXTRACT" --version 2>&1 | head -n 1) ($JEXTRACT)"

# --- the dnnl headers ---------------------------------------------------------------------------
DNNL_VERSION=$(sed -n 's:.*<dnnl.version>\(.*\)</dnnl.version>.*:\1:p' pom.xml | head -n 1)
[[ -n "$DNNL_VERSION" ]] || die "cannot read <dnnl.version> from pom.xml"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kdnn-regen.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

JAR=${DNNL_JAR:-$HOME/.m2/repository/org/bytedeco/dnnl/$DNNL_VERSION/dnnl-$DNNL_VERSION-linux-x86_64.jar}
if [[ ! -f "$JAR" ]]; then
    [[ -z "${DNNL_JAR:-}" ]] || die "DNNL_JAR=$DNNL_JAR does not exist"
    command -v mvn >/dev/null || die "$JAR is missing and mvn is not on the PATH to fetch it"
    echo "regen-bindings: fetching org.bytedeco:dnnl:$DNNL_VERSION:linux-x86_64"
    mvn -B -q dependency:copy -Dartifact="org.bytedeco:dnnl:$DNNL_VERSION:jar:linux-x86_64" \
        -DoutputDirectory="$WORK/jar" -Dmdep.overWriteReleases=true
    JAR="$WORK/jar/dnnl-$DNNL_VERSION-linux-x86_64.jar"
    [[ -f "$JAR" ]] || die "mvn dependency:copy did not produce $JAR"
fi

INCLUDE_ENTRY=org/bytedeco/dnnl/linux-x86_64/include
if command -v unzip >/dev/null; then
    unzip -q "$JAR" "$INCLUDE_ENTRY/*" -d "$WORK/x"
elif command -v jar >/dev/null; then
    mkdir -p "$WORK/x"
    (cd "$WORK/x" && jar xf "$JAR" "$INCLUDE_ENTRY")
else
    die "neither unzip nor jar is available to read $JAR"
fi
INC="$WORK/x/$INCLUDE_ENTRY"
[[ -f "$INC/oneapi/dnnl/dnnl.h" ]] || die "$JAR has no $INCLUDE_ENTRY/oneapi/dnnl/dnnl.h"

OMP_H=$(gcc -print-file-name=include/omp.h)
[[ "$OMP_H" == /* && -f "$OMP_H" ]] || die "gcc does not know an omp.h (gcc -print-file-name=include/omp.h printed '$OMP_H')"

# --- generate into a staging folder, so that a failed run leaves bindings/ as it was -------------
STAGE="$WORK/out"
mkdir -p "$STAGE"
"$JEXTRACT" --target-package kdnn.bindings --header-class-name dnnl_h --output "$STAGE" \
    -I "$INC" @bindings/includes.txt "$INC/oneapi/dnnl/dnnl.h"
"$JEXTRACT" --target-package kdnn.bindings --header-class-name omp_h --output "$STAGE" \
    -I "$(dirname "$OMP_H")" @bindings/omp-includes.txt "$OMP_H"

GEN="$STAGE/kdnn/bindings"
for f in dnnl_h omp_h dnnl_exec_arg_t dnnl_version_t; do
    [[ -f "$GEN/$f.java" ]] || die "jextract did not write $GEN/$f.java"
done

# --- kdnn loads the library itself: swap jextract's SYMBOL_LOOKUP initializer ---------------------
# jextract emits, over one or more lines, e.g.
#     static final SymbolLookup SYMBOL_LOOKUP = SymbolLookup.loaderLookup()
#             .or(Linker.nativeLinker().defaultLookup());
# (or a SymbolLookup.libraryLookup(...) chain); it becomes the comment plus the kdnn.runtime line.
replace_lookup() {
    local file=$1 comment=$2
    KDNN_COMMENT="$comment" perl -0pi -e '
        my $n = s{^([ \t]*)static\s+final\s+SymbolLookup\s+SYMBOL_LOOKUP\s*=.*?;[ \t]*$}
                 {$1// $ENV{KDNN_COMMENT}\n$1static final SymbolLookup SYMBOL_LOOKUP = kdnn.runtime.NativeLibrary.lookup();}msg;
        die "no SYMBOL_LOOKUP initializer found\n" unless $n == 1;
    ' "$file" || die "cannot rewrite SYMBOL_LOOKUP in $file"
    grep -q 'SYMBOL_LOOKUP = kdnn.runtime.NativeLibrary.lookup();' "$file" || die "SYMBOL_LOOKUP rewrite failed in $file"
    if grep -Eq 'loaderLookup|libraryLookup' "$file"; then
        die "$file still names loaderLookup/libraryLookup after the rewrite"
    fi
}
replace_lookup "$GEN/dnnl_h.java" \
    "kdnn: the library is found and loaded by kdnn's own loader (native/regen-bindings.sh puts this line back)"
replace_lookup "$GEN/omp_h.java" \
    "kdnn: OpenMP is the runtime libdnnl.so.3 was linked against; kdnn's loader finds it (native/regen-bindings.sh puts this line back)"

# --- install ---------------------------------------------------------------------------------------
mkdir -p bindings/kdnn/bindings
rm -f bindings/kdnn/bindings/*.java
cp "$GEN"/*.java bindings/kdnn/bindings/
echo "regen-bindings: wrote $(find bindings/kdnn/bindings -name '*.java' | sort | tr '\n' ' ')"
echo "regen-bindings: now review 'git diff bindings/' and run: mvn -B -q test -Dtest=BindingsMatchHeaderTest"
