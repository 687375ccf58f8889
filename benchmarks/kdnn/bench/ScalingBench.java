package kdnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import kdnn.Tensor;
import kdnn.model.Model;
import kdnn.runtime.NativeLibrary;
import kdnn.runtime.Threads;

/**
 * {@code kdnn bench --models --scaling 1,2,4,8,16 [--batches 1,16] [--quick] [--json FILE]}: how
 * one prediction scales with the thread count, kdnn against one ONNX Runtime session with as many
 * intra-op threads. Per architecture, batch ({@code --batches}, else 1 and 16; WaveNet and
 * {@code --quick}: 1) and thread count:
 * kdnn's model is planned for that count (primitives keep the count they were created with), ORT
 * gets a session of its own, and their chunks of single calls are timed interleaved, each keeping
 * its best median (short chunks: a curve, not the figures of record). Outputs are compared with
 * ORT's and with kdnn's at the first count.
 */
final class ScalingBench {
    private ScalingBench() {
    }

    /** One model, batch and thread count: both medians in microseconds, and kdnn's output. */
    private record Point(int threads, double kdnnUs, double ortUs, String agree, float[] output) {
    }

    static int run(List<Path> configs, int[] counts, int[] batches, boolean quick, Path json, PrintStream out)
            throws Exception {
        out.printf(Locale.ROOT, "kdnn bench --models --scaling %s: %d architectures, batches %s; oneDNN %s; %s;"
                + " load average %s%n", Arrays.toString(counts), configs.size(),
                batches != null ? Arrays.toString(batches) : quick ? "1" : "1 and 16 (WaveNet 1)", NativeLibrary.load().version(),
                ArchitectureBench.cpu(), BenchMain.loadAverage());
        List<ObjectNode> records = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        int before = Threads.count();
        try {
            for (Path config : configs) {
                model(config, counts, batches, quick, records, rows, json, out);
            }
        } finally {
            Threads.setCount(before);
        }
        out.println();
        out.println("Scaling over threads (predict into a preallocated output, median of single calls; kdnn and ORT"
                + " timed in interleaved chunks; speedup over " + counts[0] + " thread" + (counts[0] == 1 ? "" : "s")
                + ", per-thread efficiency in parentheses):");
        out.println("| model | batch | threads | kdnn ms | kdnn speedup | ORT ms | ORT speedup | ORT / kdnn | output vs ORT |");
        out.println("|---|---:|---:|---:|---|---:|---|---:|---|");
        rows.forEach(out::println);
        out.println("load average at the end: " + BenchMain.loadAverage());
        if (json != null) {
            ArchitectureBench.write(json, records);
            out.println("wrote " + json);
        }
        return 0;
    }

    private static void model(Path config, int[] counts, int[] batches, boolean quick, List<ObjectNode> records,
                              List<String> rows, Path json, PrintStream out) throws Exception {
        String file = config.getFileName().toString();
        String name = file.substring(0, file.length() - ".json".length());
        JsonNode keras = ArchitectureBench.JSON.readTree(config.toFile());
        try (Model model = ArchitectureBench.build(ArchitectureBench.seeded(keras, 14), ArchitectureBench.seededWeights(14))) {
            out.printf(Locale.ROOT, "%n%s: %,d parameters%n", name, model.countParams());
            List<Integer> sizes = batches != null ? Arrays.stream(batches).boxed().toList()
                    : quick || name.startsWith("wavenet") ? List.of(1) : List.of(1, 16);
            for (int batch : sizes) {
                long[] shape = model.inputShape();
                shape[0] = batch;
                List<Point> points = new ArrayList<>();
                float[] first = null;
                for (int threads : counts) {
                    Point p = point(name, keras, model, shape, threads, quick, records, out);
                    points.add(p);
                    if (json != null) ArchitectureBench.write(json, records); // a run cut short keeps every point
                    if (first == null) {
                        first = p.output();
                    } else {
                        out.println("    output vs kdnn at " + counts[0] + " threads: " + BenchMain.compare(p.output(), first));
                    }
                }
                Point base = points.get(0);
                for (Point p : points) {
                    double scale = (double) p.threads() / base.threads();
                    rows.add(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s | %s | %s | %s |", name, batch,
                            p.threads(), ms(p.kdnnUs()), speedup(base.kdnnUs(), p.kdnnUs(), scale), ms(p.ortUs()),
                            speedup(base.ortUs(), p.ortUs(), scale),
                            Double.isNaN(p.ortUs()) ? "-" : String.format(Locale.ROOT, "%.2f", p.ortUs() / p.kdnnUs()),
                            p.agree()));
                }
            }
        }
    }

    private static Point point(String name, JsonNode config, Model model, long[] shape, int threads, boolean quick,
                               List<ObjectNode> records, PrintStream out) throws Exception {
        int batch = (int) shape[0];
        Threads.setCount(threads);
        long[] outShape = model.outputShape(shape);
        float[] x = ArchitectureBench.input(shape);
        ObjectNode k = ArchitectureBench.record(name, batch, "kdnn");
        k.put("threads", threads);
        records.add(k);
        ObjectNode o = ArchitectureBench.record(name, batch, "onnxruntime");
        o.put("threads", threads);
        records.add(o);
        try (Tensor in = Tensor.of(x, shape); Tensor y = Tensor.uninitialized(outShape)) {
            double kdnnFirst = Timing.once(() -> model.predict(in, y));
            double call = Timing.once(() -> model.predict(in, y));
            // calls over half a second (U-Net at batch 16 on few threads): one round of 3 calls a side
            boolean slow = call > 5e5;
            Timing.Budget budget = slow ? new Timing.Budget(0, 0, 3)
                    : quick ? new Timing.Budget(200, 500, 3) : new Timing.Budget(300, 800, 5);
            int rounds = slow ? 1 : 2;
            float[] kdnnOut = y.toFloatArray();
            double kdnnBest = Double.NaN, ortBest = Double.NaN;
            String agree;
            OrtGraphPeer peer = null;
            String ortError = null;
            double ortFirst = Double.NaN;
            try {
                long t0 = System.nanoTime();
                peer = new OrtGraphPeer(OnnxGraphs.model(config, model, shape), OnnxModels.toChannelsFirst(shape),
                        outShape.length > 2 ? OnnxModels.toChannelsFirst(outShape) : outShape, threads);
                try (OrtGraphPeer.Request r = peer.new Request(OnnxModels.nhwcToNchw(x, shape))) {
                    r.run();
                    ortFirst = (System.nanoTime() - t0) / 1e3;
                    for (int i = 0; i < rounds; i++) {
                        ortBest = min(ortBest, Timing.median(r::run, budget).medianUs());
                        kdnnBest = min(kdnnBest, Timing.median(() -> model.predict(in, y), budget).medianUs());
                    }
                    float[] ortOut = r.output();
                    agree = BenchMain.compare(outShape.length > 2 ? OnnxModels.nchwToNhwc(ortOut, outShape) : ortOut,
                            kdnnOut);
                }
            } catch (Exception | LinkageError e) {
                ortError = e.getClass().getSimpleName() + ": " + e.getMessage();
                agree = "ORT: " + ortError;
                for (int i = 0; i < rounds; i++) {
                    kdnnBest = min(kdnnBest, Timing.median(() -> model.predict(in, y), budget).medianUs());
                }
            } finally {
                if (peer != null) peer.close();
            }
            k.put("median_us", ArchitectureBench.round(kdnnBest));
            k.put("first_call_us", ArchitectureBench.round(kdnnFirst));
            if (ortError == null) {
                o.put("median_us", ArchitectureBench.round(ortBest));
                o.put("first_call_us", ArchitectureBench.round(ortFirst));
            } else {
                o.put("error", ortError);
            }
            out.printf(Locale.ROOT, "  batch %d, %d threads: kdnn %.2f ms (first %.0f ms), ORT %s; output vs ORT: %s%n",
                    batch, threads, kdnnBest / 1e3, kdnnFirst / 1e3,
                    ortError == null ? String.format(Locale.ROOT, "%.2f ms (session + first run %.0f ms)", ortBest / 1e3,
                            ortFirst / 1e3) : "error", agree);
            return new Point(threads, kdnnBest, ortBest, agree.startsWith("ok") ? "ok" : agree, kdnnOut);
        }
    }

    private static String ms(double us) {
        return Double.isNaN(us) ? "-" : us >= 1e5 ? String.format(Locale.ROOT, "%,.0f", us / 1e3)
                : String.format(Locale.ROOT, "%.2f", us / 1e3);
    }

    private static String speedup(double baseUs, double us, double scale) {
        if (Double.isNaN(baseUs) || Double.isNaN(us)) return "-";
        double s = baseUs / us;
        return String.format(Locale.ROOT, "%.2fx (%.0f%%)", s, 100 * s / scale);
    }

    private static double min(double best, double v) {
        return Double.isNaN(best) ? v : Math.min(best, v);
    }

    /** Parses {@code --scaling}'s list: ascending thread counts >= 1. */
    static int[] counts(String list) {
        int[] c = positive("--scaling", list);
        for (int i = 1; i < c.length; i++) {
            if (c[i] <= c[i - 1]) throw new IllegalArgumentException("--scaling must be ascending thread counts, got '" + list + "'");
        }
        return c;
    }

    /** Parses a list of whole numbers >= 1 separated by commas, naming {@code option} when it is not one. */
    static int[] positive(String option, String list) {
        int[] c;
        try {
            c = Arrays.stream(list.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            c = new int[0];
        }
        if (c.length == 0 || Arrays.stream(c).anyMatch(v -> v < 1)) {
            throw new IllegalArgumentException(option + " must be whole numbers >= 1 separated by commas (e.g. 1,2,4),"
                    + " got '" + list + "'");
        }
        return c;
    }
}
