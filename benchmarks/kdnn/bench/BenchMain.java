package kdnn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import kdnn.Tensor;
import kdnn.layers.BaseConv;
import kdnn.layers.ExtremeValues;
import kdnn.runtime.NativeLibrary;
import kdnn.runtime.Threads;

/**
 * {@code kdnn bench [--quick] [--threads N] [--json FILE] [--chart FILE] [--shapes a,b] [--impls ...]}:
 * runs the suite of issue 6 for kdnn, the C floor (native), ONNX Runtime and the pure-Java
 * reference, each phase apart (so no library's idle threads compete with another's), and prints
 * the steady-state table, the first-call table and kdnn's geometric-mean speedup over ORT.
 * {@code --jmh} runs the JMH benchmarks of this package instead (slow; see {@link KdnnBench}).
 * {@code --models [DIR...]} times whole models against the sum of their layers' native operations
 * instead (see {@link ModelBench}). {@code --layers} times pooling, batch normalization and dense
 * against the same oneDNN primitives called from C instead (see {@link LayerBench}).
 */
public final class BenchMain {
    static final List<String> IMPLS = List.of("kdnn", "native", "onnxruntime", "reference", "kdnn-bf16", "kdnn-keras");

    /** One measurement; NaN where a number was not taken. */
    public record Measurement(String shape, String impl, int threads, double medianUs, double firstCallUs) {
    }

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        try {
            System.exit(run(args, System.out));
        } catch (IllegalArgumentException e) { // a bad argument: its message, not a stack trace
            System.err.println("kdnn bench: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        }
    }

    static final String USAGE = """
            usage: kdnn bench [--quick] [--threads N] [--json FILE] [--chart FILE.png] [--shapes a,b] [--rounds R]
                              [--impls kdnn,native,onnxruntime,reference,kdnn-bf16,kdnn-keras] [--jmh] [--gc]
                   kdnn bench --models [CONFIG.json...] [--quick] [--policies] [--threads N] [--rounds R] [--window-ms MS] [--no-dl4j]
                              [--json FILE]
                   kdnn bench --models [CONFIG.json...] --scaling 1,2,4,8 [--batches 1,16] [--quick] [--json FILE]
                   kdnn bench --models --golden | DIR... [--quick] [--threads N] [--rounds R] [--json FILE]
                   kdnn bench --layers [--quick] [--threads N] [--rounds R] [--json FILE] [--rows a,b]
                   kdnn bench --dl4j-files [DIR...] [--threads N] [--keep] [--json FILE]
                   kdnn bench --handoff [--threads N] [--window-ms MS] [--json FILE]
              the benchmark suite: kdnn against the C floor, ONNX Runtime and the pure-Java reference
              (--models: whole architectures, by default ${kdnn.shared}/architectures: predict, first call, plan,
               workspace, KERAS-mode cost, request-thread throughput, bf16, ONNX Runtime, DL4J 1.0.0-M2.1 on the .h5
               kdnn writes (built with Maven on first use: benchmarks/dl4j); --golden or DIRs: the golden models
               against the sum of their layers' native times; --scaling: one prediction at each thread count, kdnn
               against an ORT session with as many threads)
              (--dl4j-files: DL4J imports each golden model's model.h5 and kdnn's own .h5 of it, outputs checked)
              (--handoff: what handing a large prediction to kdnn's compute threads costs, per request-thread count)
            """;

    static int run(String[] args, PrintStream out) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            out.print(USAGE);
            return 0;
        }
        if (Arrays.asList(args).contains("--models")) return ModelBench.run(args, out);
        if (Arrays.asList(args).contains("--layers")) return LayerBench.run(args, out);
        if (Arrays.asList(args).contains("--dl4j-files")) return Dl4jFileCheck.run(args, out);
        if (Arrays.asList(args).contains("--handoff")) return HandoffBench.run(args, out);
        boolean quick = false;
        boolean jmh = false;
        boolean gc = false;
        int roundCount = 0;
        int threads = Runtime.getRuntime().availableProcessors();
        Path json = null;
        Path chart = null;
        List<BenchShape> shapes = BenchShape.SUITE;
        List<String> impls = IMPLS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--jmh" -> jmh = true;
                case "--gc" -> gc = true;
                case "--threads" -> threads = Integer.parseInt(value(args, ++i));
                case "--rounds" -> roundCount = Integer.parseInt(value(args, ++i));
                case "--json" -> json = Path.of(value(args, ++i));
                case "--chart" -> chart = Path.of(value(args, ++i));
                case "--shapes" -> shapes = Arrays.stream(value(args, ++i).split(",")).map(BenchShape::byName).toList();
                case "--impls" -> impls = Arrays.asList(value(args, ++i).split(","));
                default -> {
                    System.err.println("kdnn bench: unknown argument '" + args[i] + "'");
                    System.err.print(USAGE);
                    return 2;
                }
            }
        }
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1");
        if (jmh || gc) return JmhRun.run(quick, gc, threads, shapes);
        if (json != null && chart == null) {
            String f = json.getFileName().toString();
            chart = json.resolveSibling((f.endsWith(".json") ? f.substring(0, f.length() - 5) : f) + ".png");
        }
        if (roundCount == 0) roundCount = quick ? 3 : 7;
        // one chunk per implementation per round; the table keeps each one's best chunk
        Timing.Budget budget = quick ? new Timing.Budget(50, 150, 3) : new Timing.Budget(150, 400, 5);
        Threads.setCount(threads);
        out.printf(Locale.ROOT, "kdnn bench: %d shapes, %d threads, %s; oneDNN %s (%s); load average %s%n",
                shapes.size(), threads, quick ? "quick" : "full", NativeLibrary.load().version(),
                NativeLibrary.load().file(), loadAverage());

        Map<String, String> checks = new LinkedHashMap<>();
        List<Measurement> all = interleaved(shapes, impls, threads, budget, roundCount, checks, out);
        if (impls.contains("reference")) {
            all.addAll(reference(shapes, quick, out));
        }
        out.println();
        out.println("load average at the end: " + loadAverage() + " (other processes on these cores make OpenMP"
                + " timings noisy)");
        printTables(out, shapes, all, checks, threads, roundCount);
        if (json != null) {
            writeJson(json, all);
            out.println("wrote " + json);
        }
        if (chart != null) {
            try {
                BenchChart.write(chart, shapes, all, threads);
                out.println("wrote " + chart);
            } catch (Throwable e) {
                out.println("chart: not written: " + e);
            }
        }
        return 0;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "unknown";
        }
    }

    static String value(String[] args, int i) {
        if (i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a value");
        return args[i];
    }

    /**
     * Per shape: the first call of each implementation (a new native primitive, a new kdnn layer, a
     * new ORT session), then {@code rounds} chunks of each in turn (native, kdnn, ORT, with a pause
     * so idle spinning threads of one settle before the next), keeping each one's lowest chunk
     * median. Other tenants of these cores stall OpenMP teams for whole scheduler slices; taking
     * every implementation's best chunk, measured side by side, keeps those stalls out of the
     * comparison without favouring anyone.
     */
    static List<Measurement> interleaved(List<BenchShape> shapes, List<String> impls, int threads, Timing.Budget budget,
                                         int rounds, Map<String, String> checks, PrintStream out) throws Exception {
        boolean doNative = impls.contains("native"), doKdnn = impls.contains("kdnn");
        boolean doOrt = impls.contains("onnxruntime");
        boolean doBf16 = impls.contains("kdnn-bf16");
        boolean doKeras = impls.contains("kdnn-keras");
        if (doBf16) {
            try {
                kdnn.runtime.Convolutions.requireBf16();
            } catch (UnsupportedOperationException e) {
                out.println("kdnn-bf16: not measured: " + e.getMessage());
                doBf16 = false;
            }
        }
        NativeBench.Session nat = null;
        if (doNative) {
            try {
                nat = NativeBench.start(threads, budget);
            } catch (Exception e) {
                out.println("native: not measured: " + e.getMessage());
            }
        }
        if (doKdnn) warmUpKdnn();
        if (doOrt) {
            try {
                BenchShape warm = warmupShape();
                try (OrtPeer p = new OrtPeer(warm, warm.weights(2), warm.inputValues(1), threads)) {
                    p.run();
                }
            } catch (Throwable e) {
                out.println("onnxruntime: not measured: " + e);
                doOrt = false;
            }
        }
        List<Measurement> m = new ArrayList<>();
        try {
            for (BenchShape s : shapes) {
                out.printf(Locale.ROOT, "  %s ...%n", s.name());
                BenchShape.Weights w = s.weights(2);
                float[] x = s.inputValues(1);
                BaseConv[] layer = new BaseConv[3];
                OrtPeer[] peer = new OrtPeer[1];
                try (Tensor in = Tensor.of(x, s.input()); Tensor y = Tensor.uninitialized(s.outputShape());
                     Tensor yb = Tensor.uninitialized(s.outputShape());
                     Tensor yk = Tensor.uninitialized(s.outputShape())) {
                    double natFirst = nat == null ? Double.NaN : nat.shape(s);
                    double kFirst = !doKdnn ? Double.NaN : Timing.once(() -> {
                        layer[0] = s.newLayer(w);
                        layer[0].call(in, y);
                    });
                    double oFirst = !doOrt ? Double.NaN : Timing.once(() -> {
                        peer[0] = new OrtPeer(s, w, x, threads);
                        peer[0].run();
                    });
                    double bFirst = !doBf16 ? Double.NaN : Timing.once(() -> {
                        layer[1] = s.newLayer(w);
                        layer[1].setPrecision(kdnn.layers.Precision.BF16);
                        layer[1].call(in, yb); // its own output: y keeps kdnn's f32 result for the ORT check
                    });
                    // the propagating mode: the same layer with its input scan, as a user switches it on per layer
                    double kkFirst = !doKeras ? Double.NaN : Timing.once(() -> {
                        layer[2] = s.newLayer(w);
                        layer[2].setExtremes(ExtremeValues.KERAS);
                        layer[2].call(in, yk);
                    });
                    double natBest = Double.NaN, kBest = Double.NaN, oBest = Double.NaN, bBest = Double.NaN;
                    double kkBest = Double.NaN;
                    for (int r = 0; r < rounds; r++) {
                        if (nat != null) {
                            natBest = min(natBest, nat.measure().medianUs());
                            Thread.sleep(20);
                        }
                        if (doKdnn) {
                            BaseConv l = layer[0];
                            kBest = min(kBest, Timing.median(() -> l.call(in, y), budget).medianUs());
                            Thread.sleep(20);
                        }
                        if (doOrt) {
                            oBest = min(oBest, Timing.median(peer[0]::run, budget).medianUs());
                            Thread.sleep(20);
                        }
                        if (doBf16) {
                            BaseConv l = layer[1];
                            bBest = min(bBest, Timing.median(() -> l.call(in, yb), budget).medianUs());
                            Thread.sleep(20);
                        }
                        if (doKeras) {
                            BaseConv l = layer[2];
                            kkBest = min(kkBest, Timing.median(() -> l.call(in, yk), budget).medianUs());
                            Thread.sleep(20);
                        }
                    }
                    if (nat != null) m.add(new Measurement(s.name(), "native", threads, natBest, natFirst));
                    if (doBf16) m.add(new Measurement(s.name(), "kdnn-bf16", threads, bBest, bFirst));
                    if (doKeras) m.add(new Measurement(s.name(), "kdnn-keras", threads, kkBest, kkFirst));
                    if (doKdnn) m.add(new Measurement(s.name(), "kdnn", threads, kBest, kFirst));
                    if (doOrt) {
                        m.add(new Measurement(s.name(), "onnxruntime", threads, oBest, oFirst));
                        float[] ort = OnnxModels.nchwToNhwc(peer[0].outputNchw(), s.outputShape());
                        checks.put(s.name(), compare(ort, doKdnn ? y.toFloatArray() : s.kdnn(x, w)));
                    }
                } finally {
                    if (layer[0] != null) layer[0].close();
                    if (layer[1] != null) layer[1].close();
                    if (layer[2] != null) layer[2].close();
                    if (peer[0] != null) peer[0].close();
                }
            }
        } finally {
            if (nat != null) nat.close();
        }
        return m;
    }

    private static double min(double best, double v) {
        return Double.isNaN(best) ? v : Math.min(best, v);
    }

    static BenchShape warmupShape() {
        return new BenchShape("warmup", BenchShape.Op.CONV, new long[] {1, 6, 6, 4}, 4, new int[] {3, 3},
                new int[] {1, 1}, new int[] {1, 1}, "valid");
    }

    /** A layer unlike any suite shape, so class loading and library start-up stay out of first calls. */
    static void warmUpKdnn() {
        BenchShape w = warmupShape();
        w.kdnn(w.inputValues(1), w.weights(2));
    }

    /** "ok (max abs diff d)" when two outputs agree to float accumulation-order noise, else "MISMATCH ...". */
    static String compare(float[] a, float[] b) {
        if (a.length != b.length) return "MISMATCH (lengths " + a.length + " vs " + b.length + ")";
        double[] d = largestDifference(a, b);
        double max = d[0], scale = Math.max(1, d[1]);
        return String.format(Locale.ROOT, "%s (max abs diff %.1e)", max <= 1e-4 * scale ? "ok" : "MISMATCH", max);
    }

    /** {largest |a - b|, largest |b|} over arrays of one length. */
    private static double[] largestDifference(float[] a, float[] b) {
        double max = 0, scale = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return new double[] {max, scale};
    }

    /**
     * A bf16 result against float32's: the largest difference and its share of the largest
     * float32 value; "within bf16" up to 3% of it (8 bits of mantissa, rounded a few layers deep).
     */
    static String compareBf16(float[] bf16, float[] f32) {
        if (bf16.length != f32.length) return "MISMATCH (lengths " + bf16.length + " vs " + f32.length + ")";
        double[] d = largestDifference(bf16, f32);
        double max = d[0], scale = d[1];
        double share = scale == 0 ? (max == 0 ? 0 : Double.POSITIVE_INFINITY) : max / scale;
        return String.format(Locale.ROOT, "%s (max abs diff %.1e, %.2f%% of the largest output)",
                share <= 0.03 ? "within bf16" : "MISMATCH", max, 100 * share);
    }

    /** Which shapes the reference runs on: it is plain loops, minutes on the big shapes. */
    static boolean referenceRuns(BenchShape s, boolean quick) {
        return s.macs() <= (quick ? 4e6 : 1.5e8);
    }

    static List<Measurement> reference(List<BenchShape> shapes, boolean quick, PrintStream out) throws Exception {
        List<Measurement> m = new ArrayList<>();
        Timing.Budget b = new Timing.Budget(0, 0, quick ? 1 : 2);
        out.println("reference (plain Java, one thread; only shapes it finishes in seconds) ...");
        for (BenchShape s : shapes) {
            if (!referenceRuns(s, quick)) continue;
            BenchShape.Weights w = s.weights(2);
            float[] x = s.inputValues(1);
            double first = Timing.once(() -> s.reference(x, w));
            Timing.Result r = Timing.median(() -> s.reference(x, w), b);
            m.add(new Measurement(s.name(), "reference", 1, r.medianUs(), first));
        }
        return m;
    }

    static double get(List<Measurement> all, String shape, String impl, boolean first) {
        return all.stream().filter(x -> x.shape().equals(shape) && x.impl().equals(impl))
                .mapToDouble(x -> first ? x.firstCallUs() : x.medianUs()).findFirst().orElse(Double.NaN);
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a / b) ? "-" : String.format(Locale.ROOT, "%.3f", a / b);
    }

    private static String num(double v) {
        if (Double.isNaN(v)) return "-";
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    static void printTables(PrintStream out, List<BenchShape> shapes, List<Measurement> all, Map<String, String> checks,
                            int threads, int rounds) {
        out.printf(Locale.ROOT, "Steady state, median us per call, best of %d interleaved chunks (%d threads; reference: 1 thread,"
                + " plain Java)%n", rounds, threads);
        out.println("| shape | kdnn us | native us | kdnn/native | onnxruntime us | reference us | ORT output vs kdnn |");
        out.println("|---|---:|---:|---:|---:|---:|---|");
        double logSum = 0;
        int logN = 0;
        for (BenchShape s : shapes) {
            double k = get(all, s.name(), "kdnn", false), n = get(all, s.name(), "native", false);
            double o = get(all, s.name(), "onnxruntime", false), r = get(all, s.name(), "reference", false);
            out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", s.name(), num(k), num(n),
                    Double.isNaN(k / n) ? "-" : String.format(Locale.ROOT, "%.3f", k / n), num(o), num(r),
                    checks.getOrDefault(s.name(), "-"));
            if (!Double.isNaN(k) && !Double.isNaN(o)) {
                logSum += Math.log(o / k);
                logN++;
            }
        }
        out.println();
        out.println("First call, us (new layer / primitive, weight reorder, first execution)");
        out.println("| shape | kdnn | native | onnxruntime (session + first run) |");
        out.println("|---|---:|---:|---:|");
        for (BenchShape s : shapes) {
            out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", s.name(), num(get(all, s.name(), "kdnn", true)),
                    num(get(all, s.name(), "native", true)), num(get(all, s.name(), "onnxruntime", true)));
        }
        out.println();
        if (all.stream().anyMatch(m -> m.impl().equals("kdnn-bf16"))) {
            out.println("bf16 (bf16 inputs and weights, f32 output; AVX512_BF16), median us per call");
            out.println("| shape | kdnn f32 us | kdnn bf16 us | bf16 speedup |");
            out.println("|---|---:|---:|---:|");
            for (BenchShape s : shapes) {
                double f = get(all, s.name(), "kdnn", false), b = get(all, s.name(), "kdnn-bf16", false);
                out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", s.name(), num(f), num(b),
                        Double.isNaN(f / b) ? "-" : String.format(Locale.ROOT, "%.2fx", f / b));
            }
            out.println();
        }
        if (all.stream().anyMatch(m -> m.impl().equals("kdnn-keras"))) {
            out.println("keras mode (the layer's input scanned for NaN and infinities first; target <= 1.2x native),"
                    + " median us per call");
            out.println("| shape | kdnn us | kdnn keras-mode us | native us | keras-mode / native | keras-mode / kdnn |");
            out.println("|---|---:|---:|---:|---:|---:|");
            for (BenchShape s : shapes) {
                double f = get(all, s.name(), "kdnn", false), k = get(all, s.name(), "kdnn-keras", false);
                double n = get(all, s.name(), "native", false);
                out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", s.name(), num(f), num(k), num(n), ratio(k, n),
                        ratio(k, f));
            }
            out.println();
        }
        if (logN > 0) {
            out.printf(Locale.ROOT, "Geometric-mean speedup of kdnn over ONNX Runtime (ORT us / kdnn us), %d shapes: %.2fx%n",
                    logN, Math.exp(logSum / logN));
        }
    }

    static void writeJson(Path file, List<Measurement> all) throws Exception {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ArrayNode arr = mapper.createArrayNode();
        for (Measurement m : all) {
            ObjectNode o = arr.addObject();
            o.put("shape", m.shape());
            o.put("impl", m.impl());
            o.put("threads", m.threads());
            putNumber(o, "median_us", m.medianUs());
            putNumber(o, "first_call_us", m.firstCallUs());
        }
        if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
        mapper.writeValue(file.toFile(), arr);
    }

    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isNaN(v)) o.putNull(key);
        else o.put(key, Math.round(v * 1000) / 1000.0);
    }
}
