package kdnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * DL4J ({@code deeplearning4j-modelimport} and {@code nd4j-native} {@value #VERSION}, as a user
 * installs them) as an independent reader and runner of the Keras 2 {@code .h5} files kdnn writes
 * (issues 13 and 14). DL4J brings javacpp 1.5.7 and its own HDF5; kdnn runs on javacpp 1.5.14 and
 * oneDNN: they never share a JVM or a class path. So DL4J runs in a subprocess,
 * {@code kdnn.bench.dl4j.Dl4jRunner} of the standalone Maven project {@code benchmarks/dl4j} (not
 * a module of the main build: the main build and CI never download or build it). This class
 * builds it on first use ({@code mvn -f benchmarks/dl4j/pom.xml compile dependency:build-classpath},
 * into {@code <build dir>/dl4j}, again only when its pom or source changes), hands it inputs as raw
 * little-endian float32 files in Keras' order, and reads back its one JSON result line and its
 * outputs.
 *
 * <p>Settings (system properties): {@code kdnn.bench.dl4j.pom} (the runner's pom),
 * {@code kdnn.bench.dl4j.java} (the java that runs it; default the {@code java} on the PATH, else
 * this JVM's: DL4J M2.1 runs on Java 17 and 25 alike), {@code kdnn.bench.dl4j.mvn} (default
 * {@code mvn}), {@code kdnn.bench.dl4j.timeout.s} (one run's limit, default 900).
 */
final class Dl4jPeer {
    static final String VERSION = "1.0.0-M2.1";
    static final String MARK = "DL4J-RESULT ";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one run of the runner gave: figures and outputs, or why there are none. */
    record Result(String error, String modelClass, double importMs, double firstCallUs, double medianUs, int samples,
                  String java, List<long[]> outputShapes, List<float[]> outputs) {
        boolean ok() {
            return error == null;
        }

        static Result failed(String why) {
            return new Result(why, null, Double.NaN, Double.NaN, Double.NaN, 0, null, List.of(), List.of());
        }
    }

    private final String javaBin;
    private final String classpath;
    private final String unavailable;

    private Dl4jPeer(String java, String classpath, String unavailable) {
        this.javaBin = java;
        this.classpath = classpath;
        this.unavailable = unavailable;
    }

    /** Why the runner cannot run (not built, no Maven, offline...), or null when it can. */
    String unavailable() {
        return unavailable;
    }

    /** The java command the runner runs with. */
    String java() {
        return javaBin;
    }

    /** A peer that runs nothing and says why. */
    static Dl4jPeer off(String why) {
        return new Dl4jPeer(null, null, why);
    }

    /** The runner, built if missing or stale; on failure a peer whose {@link #unavailable()} says why. */
    static Dl4jPeer locate(java.io.PrintStream log) {
        Path pom = pom();
        if (!Files.isRegularFile(pom)) return off("the DL4J runner's project is not at " + pom);
        Path dir = NativeBench.buildDir().toAbsolutePath().resolve("dl4j");
        Path cpFile = dir.resolve("classpath.txt");
        Path runnerClass = dir.resolve("classes/kdnn/bench/dl4j/Dl4jRunner.class");
        try {
            if (stale(runnerClass, cpFile, pom)) {
                Files.createDirectories(dir);
                Path buildLog = dir.resolve("build.log");
                List<String> cmd = List.of(System.getProperty("kdnn.bench.dl4j.mvn", "mvn"), "-B", "-q",
                        "-Dstyle.color=never", "-f", pom.toString(), "-Ddl4j.build.dir=" + dir, "compile",
                        "dependency:build-classpath");
                log.println("dl4j: building the DL4J " + VERSION + " runner (" + String.join(" ", cmd) + "; the first"
                        + " build downloads DL4J and ND4J, about 300 MB) ...");
                Process p;
                try {
                    p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(buildLog.toFile()).start();
                } catch (IOException e) {
                    return off("cannot build the DL4J runner: Maven did not start (" + e.getMessage() + ")");
                }
                if (!p.waitFor(20, TimeUnit.MINUTES)) {
                    kill(p);
                    return off("building the DL4J runner took over 20 minutes (log: " + buildLog + ")");
                }
                if (p.exitValue() != 0 || !Files.isRegularFile(cpFile) || !Files.isRegularFile(runnerClass)) {
                    return off("building the DL4J runner failed (mvn exit " + p.exitValue() + ", log " + buildLog
                            + "): " + tail(buildLog, 3));
                }
            }
            String cp = dir.resolve("classes") + File.pathSeparator + Files.readString(cpFile).trim();
            return new Dl4jPeer(javaCommand(), cp, null);
        } catch (IOException e) {
            return off("cannot build the DL4J runner: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return off("interrupted while building the DL4J runner");
        }
    }

    /** True when the built runner is missing or older than its pom or source. */
    private static boolean stale(Path runnerClass, Path cpFile, Path pom) throws IOException {
        if (!Files.isRegularFile(runnerClass) || !Files.isRegularFile(cpFile)) return true;
        FileTime built = Files.getLastModifiedTime(runnerClass);
        if (Files.getLastModifiedTime(cpFile).compareTo(Files.getLastModifiedTime(pom)) < 0) return true;
        try (Stream<Path> sources = Files.walk(pom.getParent().resolve("src"))) {
            return sources.filter(Files::isRegularFile).anyMatch(f -> {
                try {
                    return Files.getLastModifiedTime(f).compareTo(built) > 0;
                } catch (IOException e) {
                    return true;
                }
            });
        }
    }

    /** The runner's pom: {@code -Dkdnn.bench.dl4j.pom}, else {@code benchmarks/dl4j/pom.xml} beside the build folder. */
    static Path pom() {
        String p = System.getProperty("kdnn.bench.dl4j.pom");
        if (p != null && !p.isBlank()) return Path.of(p);
        Path fromBuild = NativeBench.buildDir().toAbsolutePath().getParent().resolve("benchmarks/dl4j/pom.xml");
        return Files.exists(fromBuild) ? fromBuild : Path.of("benchmarks/dl4j/pom.xml").toAbsolutePath();
    }

    /** {@code -Dkdnn.bench.dl4j.java}, else the {@code java} on the PATH, else this JVM's. */
    static String javaCommand() {
        String p = System.getProperty("kdnn.bench.dl4j.java");
        if (p != null && !p.isBlank()) return p;
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (d.isEmpty()) continue;
            Path j = Path.of(d, "java");
            if (Files.isExecutable(j)) return j.toString();
        }
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Imports {@code h5} in DL4J and runs it on {@code inputs} (Keras order, channels last) with
     * {@code threads} threads: import, first call, then the median of single calls under
     * {@code budget}, best of {@code rounds}. Never throws for DL4J's failures: they come back in
     * {@link Result#error()} with DL4J's exception class and message.
     */
    Result run(Path h5, List<float[]> inputs, List<long[]> shapes, int threads, Timing.Budget budget, int rounds) {
        if (unavailable != null) return Result.failed(unavailable);
        Path work = null;
        try {
            Path runs = NativeBench.buildDir().toAbsolutePath().resolve("dl4j");
            Files.createDirectories(runs);
            work = Files.createTempDirectory(runs, "run-");
            List<String> cmd = new ArrayList<>(List.of(javaBin, "-cp", classpath, "kdnn.bench.dl4j.Dl4jRunner",
                    "--model", h5.toAbsolutePath().toString()));
            for (int i = 0; i < inputs.size(); i++) {
                Path f = work.resolve("input" + i + ".f32");
                writeFloats(f, inputs.get(i));
                cmd.addAll(List.of("--input", f.toString(), "--shape", shape(shapes.get(i))));
            }
            cmd.addAll(List.of("--output", work.resolve("output").toString(), "--threads", Integer.toString(threads),
                    "--warmup-ms", Double.toString(budget.warmupMs()), "--measure-ms", Double.toString(budget.measureMs()),
                    "--min-iters", Integer.toString(budget.minIters()), "--rounds", Integer.toString(rounds)));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(work.resolve("stdout").toFile())
                    .redirectError(work.resolve("stderr").toFile());
            String n = Integer.toString(threads);
            pb.environment().put("OMP_NUM_THREADS", n);
            pb.environment().put("OPENBLAS_NUM_THREADS", n);
            pb.environment().put("MKL_NUM_THREADS", n);
            Process p = pb.start();
            long timeoutS = Long.getLong("kdnn.bench.dl4j.timeout.s", 900);
            if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
                kill(p);
                return Result.failed("DL4J's runner did not finish within " + timeoutS + " s (killed)");
            }
            String stdout = Files.readString(work.resolve("stdout"), StandardCharsets.UTF_8);
            String line = resultLine(stdout);
            if (line == null) {
                return Result.failed("DL4J's runner ended (exit " + p.exitValue() + ") without a result; its stderr ends: "
                        + tail(work.resolve("stderr"), 3));
            }
            return parse(line);
        } catch (IOException e) {
            return Result.failed("running DL4J: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.failed("interrupted while DL4J ran");
        } finally {
            if (work != null) deleteTree(work);
        }
    }

    /** The last {@value #MARK} line of the runner's standard output, without the mark; null if none. */
    static String resultLine(String stdout) {
        String found = null;
        for (String l : stdout.split("\\R")) {
            if (l.startsWith(MARK)) found = l.substring(MARK.length());
        }
        return found;
    }

    /** The runner's result line, its outputs read from the files it names. */
    static Result parse(String line) throws IOException {
        JsonNode r = JSON.readTree(line);
        if (!r.path("ok").asBoolean(false)) {
            String cls = r.path("exception").asText("?");
            String where = r.path("where").asText("");
            return Result.failed("DL4J " + r.path("stage").asText("?") + ": " + cls.substring(cls.lastIndexOf('.') + 1)
                    + ": " + r.path("message").asText("") + (where.isEmpty() ? "" : " [at " + where + "]"));
        }
        List<long[]> shapes = new ArrayList<>();
        List<float[]> outputs = new ArrayList<>();
        for (JsonNode o : r.path("outputs")) {
            long[] shape = new long[o.path("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = o.path("shape").get(i).asLong();
            shapes.add(shape);
            outputs.add(readFloats(Path.of(o.path("file").asText())));
        }
        return new Result(null, r.path("model_class").asText(), r.path("import_ms").asDouble(Double.NaN),
                r.path("first_call_us").asDouble(Double.NaN), r.path("median_us").asDouble(Double.NaN),
                r.path("samples").asInt(), r.path("java").asText(null), shapes, outputs);
    }

    static String shape(long[] shape) {
        StringBuilder b = new StringBuilder();
        for (long d : shape) b.append(b.length() == 0 ? "" : ",").append(d);
        return b.toString();
    }

    /** Writes float32 values little-endian, as the runner reads them. */
    static void writeFloats(Path file, float[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        Files.write(file, b.array());
    }

    /** Reads little-endian float32 values, as the runner writes them. */
    static float[] readFloats(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length % Float.BYTES != 0) throw new IOException(file + ": " + bytes.length + " bytes, not float32s");
        float[] f = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    /** The last {@code lines} non-empty lines of a file, joined by " | ". */
    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank() && !l.startsWith("WARNING:")).toList();
            return String.join(" | ", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp folder under the build folder
        }
    }

    /** "ok (max abs diff d)" or "MISMATCH ..." for DL4J's output against kdnn's of shape {@code shape}. */
    static String compare(Result r, long[] shape, float[] kdnn) {
        if (r.outputs().size() != 1) return "MISMATCH (" + r.outputs().size() + " outputs)";
        if (!Arrays.equals(r.outputShapes().get(0), shape)) {
            return String.format(Locale.ROOT, "MISMATCH (shape %s vs kdnn's %s)",
                    Arrays.toString(r.outputShapes().get(0)), Arrays.toString(shape));
        }
        return BenchMain.compare(r.outputs().get(0), kdnn);
    }
}
