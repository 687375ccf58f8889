package kdnn.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import kdnn.runtime.NativeLibrary;

/**
 * The C floor: compiles {@code native/bench_conv.c} with gcc against the headers in the dnnl
 * Maven jar and the very {@code libdnnl.so.3} kdnn extracted (and its {@code libgomp.so.1}), into
 * {@code <build dir>/native/}, then runs it on suite shapes.
 */
public final class NativeBench {
    private static final String INCLUDE = "org/bytedeco/dnnl/linux-x86_64/include/";

    /** One shape's numbers from the C program. */
    public record Result(double medianUs, double firstCallUs, int samples) {
    }

    private NativeBench() {
    }

    /** The build folder: {@code -Dkdnn.bench.build.dir}, else the parent of this class' test-classes. */
    public static Path buildDir() {
        String p = System.getProperty("kdnn.bench.build.dir");
        if (p != null && !p.isBlank()) return Path.of(p);
        try {
            Path classes = Path.of(NativeBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return classes.getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The source: {@code -Dkdnn.bench.source}, else {@code native/bench_conv.c} beside the build folder. */
    public static Path source() {
        String p = System.getProperty("kdnn.bench.source");
        if (p != null && !p.isBlank()) return Path.of(p);
        Path fromBuild = buildDir().toAbsolutePath().getParent().resolve("native/bench_conv.c");
        return Files.exists(fromBuild) ? fromBuild : Path.of("native/bench_conv.c");
    }

    /** Compiles the comparator (when the source or library changed) and returns the executable. */
    public static Path compile() throws IOException, InterruptedException {
        Path out = buildDir().resolve("native");
        Files.createDirectories(out);
        Path include = out.resolve("include");
        extractHeaders(include);
        Path lib = NativeLibrary.load().file().toAbsolutePath();
        Path libDir = lib.getParent();
        Path exe = out.resolve("bench_conv");
        Path src = source();
        if (Files.exists(exe) && Files.getLastModifiedTime(exe).compareTo(Files.getLastModifiedTime(src)) > 0
                && Files.readString(out.resolve("bench_conv.lib"), StandardCharsets.UTF_8).equals(lib.toString())) {
            return exe;
        }
        List<String> cmd = List.of("gcc", "-O2", "-std=c11", "-Wall", "-Wextra", "-I" + include, "-o", exe.toString(),
                src.toString(), lib.toString(), libDir.resolve("libgomp.so.1").toString(), "-Wl,-rpath," + libDir);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("gcc failed (" + String.join(" ", cmd) + "):\n" + log);
        }
        Files.writeString(out.resolve("bench_conv.lib"), lib.toString());
        return exe;
    }

    private static void extractHeaders(Path include) throws IOException {
        if (Files.exists(include.resolve("oneapi/dnnl/dnnl.h"))) return;
        URL url = NativeBench.class.getClassLoader().getResource(INCLUDE + "oneapi/dnnl/dnnl.h");
        if (url == null) throw new IOException("the dnnl headers (" + INCLUDE + ") are not on the class path");
        JarURLConnection c = (JarURLConnection) url.openConnection();
        c.setUseCaches(false);
        try (JarFile jar = new JarFile(Path.of(c.getJarFileURL().toURI()).toFile())) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                JarEntry entry = e.nextElement();
                if (entry.isDirectory() || !entry.getName().startsWith(INCLUDE)) continue;
                Path target = include.resolve(entry.getName().substring(INCLUDE.length()));
                Files.createDirectories(target.getParent());
                try (InputStream in = jar.getInputStream(entry)) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
    }

    /** A running comparator: one shape current at a time, measured in chunks on request. */
    public static final class Session implements AutoCloseable {
        private final Process process;
        private final Writer in;
        private final BufferedReader out;

        Session(Process process) throws IOException {
            this.process = process;
            this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        private String[] reply(String command, String expect) throws IOException {
            in.write(command + "\n");
            in.flush();
            for (String line; (line = out.readLine()) != null; ) {
                String[] f = line.trim().split("\\s+");
                if (f[0].equals(expect)) return f;
            }
            throw new IOException("bench_conv ended without answering " + command.split(" ")[0]);
        }

        /** Makes {@code s} current; returns its first-call microseconds. */
        public double shape(BenchShape s) throws IOException {
            return Double.parseDouble(reply("SHAPE " + s.nativeLine(), "FIRST")[2]);
        }

        /** Makes the operation of an {@code OP} line current (see bench_conv.c); returns its first-call microseconds. */
        public double op(String name, String line) throws IOException {
            return Double.parseDouble(reply("OP " + name + " " + line, "FIRST")[2]);
        }

        /** What bench_conv answers to a {@code PLAN}: first-call microseconds, oneDNN's implementation of each operation. */
        public record PlanStart(double firstCallUs, List<String> implementations) {
        }

        /**
         * Makes a whole plan current ({@code PLAN name} then {@code body}, see bench_conv.c and
         * {@link FloorPlan}); returns its first call and implementations.
         */
        public PlanStart plan(String name, String body) throws IOException {
            in.write("PLAN " + name + " " + body);
            in.flush();
            List<String> impls = new ArrayList<>();
            for (String line; (line = out.readLine()) != null; ) {
                String[] f = line.trim().split("\\s+");
                if (f[0].equals("IMPL")) impls.add(f[2]);
                if (f[0].equals("FIRST")) return new PlanStart(Double.parseDouble(f[2]), List.copyOf(impls));
            }
            throw new IOException("bench_conv ended without answering PLAN " + name + " (its message is above)");
        }

        /** Hands the current plan kdnn's values ({@link FloorPlan#writeData}); returns the bytes bench_conv read. */
        public long data(String command) throws IOException {
            return Long.parseLong(reply(command, "DATA")[2]);
        }

        /** One chunk: warm-up, then the median of single calls. */
        public Timing.Result measure() throws IOException {
            String[] f = reply("MEASURE", "RESULT");
            return new Timing.Result(Double.parseDouble(f[2]), Integer.parseInt(f[3]));
        }

        @Override
        public void close() throws IOException {
            in.close();
            int rc;
            try {
                rc = process.waitFor();
            } catch (InterruptedException e) {
                process.destroy();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while bench_conv exited", e);
            }
            if (rc != 0) throw new IOException("bench_conv exited with " + rc);
        }
    }

    /** Starts the comparator with {@code threads} threads and a per-chunk budget. */
    public static Session start(int threads, Timing.Budget b) throws IOException, InterruptedException {
        Path exe = compile();
        List<String> cmd = List.of(exe.toString(), Integer.toString(threads), Double.toString(b.warmupMs()),
                Double.toString(b.measureMs()), Integer.toString(b.minIters()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().remove("OMP_NUM_THREADS");
        Session s = new Session(pb.start());
        String[] t = s.out.readLine().trim().split("\\s+");
        if (!t[0].equals("THREADS") || Integer.parseInt(t[1]) != threads) {
            s.close();
            throw new IOException("bench_conv runs " + String.join(" ", t) + ", asked for " + threads + " threads");
        }
        return s;
    }

    /** Runs the comparator on {@code shapes}, one chunk each; results by shape name. */
    public static Map<String, Result> run(List<BenchShape> shapes, int threads, Timing.Budget b)
            throws IOException, InterruptedException {
        Map<String, Result> results = new LinkedHashMap<>();
        try (Session s = start(threads, b)) {
            for (BenchShape shape : shapes) {
                double first = s.shape(shape);
                Timing.Result r = s.measure();
                results.put(shape.name(), new Result(r.medianUs(), first, r.samples()));
            }
        }
        return results;
    }
}
