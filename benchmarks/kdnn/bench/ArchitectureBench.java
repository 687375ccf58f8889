package kdnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import kdnn.Tensor;
import kdnn.io.Models;
import kdnn.layers.ExtremeValues;
import kdnn.layers.Layer;
import kdnn.layers.Precision;
import kdnn.layers.Weight;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;
import kdnn.runtime.ExecutionTrace;
import kdnn.runtime.NativeLibrary;
import kdnn.runtime.Threads;

/**
 * {@code kdnn bench --models [CONFIG.json...] [--quick] [--policies] [--threads N] [--rounds R] [--json FILE]}:
 * whole architectures (issue 14), by default those of {@code ${kdnn.shared}/architectures}, built
 * from their Keras configs with seeded weights: every initializer the config names gets a seed
 * derived from the layer's name, so the layers' own initializers make the same weights on every
 * run; BatchNormalization's moving statistics are drawn at random but valid (variance in
 * [0.5, 1.5]). Per model and batch (1 and 16; WaveNet and {@code --quick}: 1): steady-state
 * predict into preallocated outputs (median of single calls after warm-up, best of the rounds),
 * first prediction, plan time, the plan's workspace next to the sum of its intermediate values,
 * the input scan's cost in KERAS mode, predictions per second with 1, 2, 4 and 8 request threads
 * sharing the model (batch 1, as a server sees it), and bf16 where the CPU has it; the floor: the
 * oneDNN primitives of one traced prediction replayed from C by {@code native/bench_conv.c}
 * ({@link FloorPlan}), timed in chunks interleaved with kdnn's; ONNX Runtime on the same graph and weights
 * ({@link OnnxGraphs}: timed, its output compared with kdnn's, and one session shared by the
 * same request threads); DL4J ({@link Dl4jPeer}, in a JVM of its own) importing the Keras 2
 * {@code .h5} file kdnn writes of the model ({@code Models.save}): timed, its output compared with
 * kdnn's, its refusals recorded as DL4J words them ({@code --no-dl4j} leaves it out).
 */
final class ArchitectureBench {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The shared architectures, in the order the issue lists them. */
    static final List<String> ARCHITECTURES = List.of("mobilenet_v2", "resnet50", "unet", "wavenet");

    /** How long each measurement runs, and whether DL4J runs. */
    record Settings(boolean quick, int threads, int rounds, Timing.Budget budget, long concurrencyMs, boolean dl4j,
                    boolean policies) {
    }

    /** DL4J's side of one model: the peer, and the {@code .h5} kdnn wrote for it or why there is none. */
    private record Dl4jTarget(Dl4jPeer peer, Path h5, String why) {
    }

    private ArchitectureBench() {
    }

    /** The shared architecture configs that exist. */
    static List<Path> defaultConfigs() {
        Path dir = Path.of(System.getProperty("kdnn.shared", "../shared"), "architectures");
        return ARCHITECTURES.stream().map(n -> dir.resolve(n + ".json")).filter(Files::isRegularFile).toList();
    }

    /** True for arguments of {@code --models} that name architecture configs rather than golden model folders. */
    static boolean isConfig(Path p) {
        return p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p);
    }

    // ---- building ---------------------------------------------------------------------------

    /**
     * The config with a seed in every initializer that takes one ({@code "seed": null} or a
     * number): Keras' initializers through the layers' own, reproducibly.
     */
    static JsonNode seeded(JsonNode config, long seed) {
        JsonNode copy = config.deepCopy();
        seed(copy, seed, "");
        return copy;
    }

    private static void seed(JsonNode node, long seed, String path) {
        if (node instanceof ObjectNode o) {
            if (o.has("class_name") && o.get("config") instanceof ObjectNode c && c.has("seed")
                    && path.endsWith("_initializer")) {
                c.put("seed", Math.floorMod(seed * 31 + path.hashCode(), 1L << 31));
            }
            String layer = o.path("config").path("name").asText(o.path("name").asText(""));
            o.fields().forEachRemaining(e -> seed(e.getValue(), seed, layer.isEmpty() ? path + "/" + e.getKey()
                    : layer + "/" + e.getKey()));
        } else if (node instanceof ArrayNode a) {
            for (JsonNode n : a) seed(n, seed, path);
        }
    }

    /**
     * The layers' own initialized weights, with the statistics of BatchNormalization and
     * Normalization (its mean and variance, an adapt's) drawn at random but valid.
     */
    static ModelConfigs.WeightSource seededWeights(long seed) {
        return (path, layer, expected) -> {
            List<Weight> initialized = layer.getWeights();
            if (!Set.of("BatchNormalization", "Normalization").contains(layer.className())) return initialized;
            SplittableRandom r = new SplittableRandom(seed ^ String.join("/", path).hashCode());
            List<Weight> out = new ArrayList<>();
            for (Weight w : initialized) {
                float[] v = w.values().clone();
                if (w.name().endsWith("mean")) {
                    for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 0.2 - 0.1);
                } else if (w.name().endsWith("variance")) {
                    for (int i = 0; i < v.length; i++) v[i] = (float) (0.5 + r.nextDouble());
                }
                out.add(new Weight(w.name(), w.shape(), v));
            }
            return out;
        };
    }

    /**
     * The model a config as {@code model.to_json()} writes it describes, read as kdnn reads such a
     * file (tf.keras' TFOpLambda calls become kdnn's operation layers), with these weights.
     */
    static Model build(JsonNode config, ModelConfigs.WeightSource weights) throws IOException {
        return ModelConfigs.build(kdnn.io.ModelReader.read(JSON.writeValueAsBytes(config)).modelConfig(), weights);
    }

    /** The weights a first build made, served again by layer path: what a file's reader would hand over. */
    private static ModelConfigs.WeightSource fromMemory(Map<String, List<Weight>> weights) {
        return (path, layer, expected) -> weights.get(layer.name());
    }

    private static Map<String, List<Weight>> weightsOf(Model model) {
        Map<String, List<Weight>> all = new HashMap<>();
        for (Layer l : model.allLayers()) all.put(l.name(), l.getWeights());
        return all;
    }

    // ---- the runner -------------------------------------------------------------------------

    static int run(List<Path> configs, Settings s, Path json, PrintStream out) throws Exception {
        Threads.setCount(s.threads());
        out.printf(Locale.ROOT, "kdnn bench --models: %d architectures, %d threads, %s, best of %d rounds; oneDNN %s;"
                + " %s; load average %s%n", configs.size(), s.threads(), s.quick() ? "quick" : "full", s.rounds(),
                NativeLibrary.load().version(), cpu(), BenchMain.loadAverage());
        List<ObjectNode> records = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        List<String> concurrencyRows = new ArrayList<>();
        List<Double> ortRatios = new ArrayList<>();
        List<String> floorRatios = new ArrayList<>();
        List<String> checkShares = new ArrayList<>();
        List<Double> dl4jRatios = new ArrayList<>();
        List<String> dl4jNotes = new ArrayList<>();
        Dl4jPeer dl4j = s.dl4j() ? Dl4jPeer.locate(out) : Dl4jPeer.off("not run (--no-dl4j)");
        out.println(dl4j.unavailable() != null ? "dl4j: " + dl4j.unavailable()
                : "dl4j: DL4J " + Dl4jPeer.VERSION + " (nd4j-native) in a JVM of its own (" + dl4j.java() + "), importing"
                + " the Keras 2 .h5 kdnn writes of each model");
        long runStart = System.nanoTime();
        for (Path config : configs) {
            long modelStart = System.nanoTime();
            model(config, s, records, rows, concurrencyRows, ortRatios, floorRatios, checkShares, dl4j, dl4jRatios, dl4jNotes, out);
            if (json != null) write(json, records); // a run cut short keeps what it measured
            out.printf(Locale.ROOT, "  (%s: %.0f s, %.0f s since the run began)%n", config.getFileName(),
                    (System.nanoTime() - modelStart) / 1e9, (System.nanoTime() - runStart) / 1e9);
        }
        out.println();
        out.println("Architectures (" + s.threads() + " threads; predict into a preallocated output, median of single"
                + " calls after warm-up, best of " + s.rounds() + " rounds):");
        out.println("| model | batch | kdnn predict ms | first prediction ms | plan ms | workspace MB | intermediate"
                + " values MB | KERAS-mode predict ms (against fused; its checks alone) | floor ms (predict / floor) | onnxruntime ms"
                + " (ORT / kdnn; output vs kdnn) | DL4J ms (DL4J / kdnn; output vs kdnn) | bf16 |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|");
        rows.forEach(out::println);
        if (!ortRatios.isEmpty()) {
            out.printf(Locale.ROOT, "geometric mean of ORT / kdnn over %d model-batches: %.2fx%n", ortRatios.size(),
                    geometricMean(ortRatios));
        }
        if (!dl4jRatios.isEmpty()) {
            out.printf(Locale.ROOT, "geometric mean of DL4J / kdnn over %d model-batches: %.2fx%n", dl4jRatios.size(),
                    geometricMean(dl4jRatios));
        }
        if (!dl4jNotes.isEmpty()) {
            out.println("DL4J " + Dl4jPeer.VERSION + " on kdnn's .h5 files, where it did not run:");
            dl4jNotes.forEach(n -> out.println("- " + n));
        }
        if (!floorRatios.isEmpty()) {
            out.println("predict / floor (target <= 1.05): " + String.join(", ", floorRatios));
        }
        if (!checkShares.isEmpty()) {
            out.println("KERAS mode's checks timed alone, share of a prediction (target <= 3%): "
                    + String.join(", ", checkShares));
        }
        out.println();
        out.println("Predictions per second, request threads sharing one model or one ORT session (kdnn policy "
                + Threads.policy() + "; each level the mean of " + RequestThreads.LEVELS.length + " visits of a window's "
                + "1/" + RequestThreads.LEVELS.length + ", in rotated rounds (1 2 4 8, 2 4 8 1, ...), the implementations"
                + " taking turns at each; one half-length visit of every level before them, not counted"
                + (s.quick() ? "; under --quick, a model whose calls take a quarter second or more visits each level once,"
                + " for the whole window" : "") + "):");
        out.println("| model | batch | impl | 1 | 2 | 4 | 8 |");
        out.println("|---|---:|---|---:|---:|---:|---:|");
        concurrencyRows.forEach(out::println);
        out.println("load average at the end: " + BenchMain.loadAverage());
        if (json != null) {
            write(json, records);
            out.println("wrote " + json);
            String f = json.getFileName().toString();
            Path png = json.resolveSibling((f.endsWith(".json") ? f.substring(0, f.length() - 5) : f) + ".png");
            if (ModuleLayer.boot().findModule("java.desktop").isPresent()) {
                ArchitectureChart.write(png, records, s.threads());
                out.println("wrote " + png);
            } else { // a runtime linked without AWT (a bare server's): the JSON holds every figure
                out.println("no chart: this Java runtime has no java.desktop module");
            }
        }
        return 0;
    }

    private static double geometricMean(List<Double> ratios) {
        double log = 0;
        for (double r : ratios) log += Math.log(r);
        return Math.exp(log / ratios.size());
    }

    private static void model(Path config, Settings s, List<ObjectNode> records, List<String> rows,
                              List<String> concurrencyRows, List<Double> ortRatios, List<String> floorRatios,
                              List<String> checkShares, Dl4jPeer dl4j, List<Double> dl4jRatios, List<String> dl4jNotes, PrintStream out)
            throws Exception {
        String file = config.getFileName().toString();
        String name = file.substring(0, file.length() - ".json".length());
        JsonNode seededConfig = seeded(JSON.readTree(config.toFile()), 14);
        Map<String, List<Weight>> weights;
        long params;
        // the file a user would load: Keras 3's .keras, written by kdnn from the seeded model
        Path keras = Files.createTempFile("kdnn-bench-" + name, ".keras");
        String saveError = null;
        try (Model generated = build(seededConfig, seededWeights(14))) {
            weights = weightsOf(generated);
            params = generated.countParams();
            try {
                Models.save(generated, keras);
            } catch (IOException | RuntimeException e) {
                saveError = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        }
        // load: the file read, the model built, the batch-1 plan made (from memory if the save failed)
        long t0 = System.nanoTime();
        JsonNode json = JSON.readTree(config.toFile());
        Model model = saveError == null ? Models.load(keras) : build(json, fromMemory(weights));
        long[] shape1 = batchShape(model, 1);
        long tPlan = System.nanoTime();
        model.plan(shape1);
        double planMs = (System.nanoTime() - tPlan) / 1e6;
        double loadMs = (System.nanoTime() - t0) / 1e6;
        weights = null;
        long fileBytes = saveError == null ? Files.size(keras) : Files.size(config) + 4 * params;
        FreshProcess.Times fresh = null;
        String freshError = null;
        if (saveError == null) {
            try {
                fresh = FreshProcess.measure(keras);
            } catch (IOException e) {
                freshError = e.getMessage();
            }
        }
        Files.deleteIfExists(keras);
        ObjectNode load = record(name, -1, "kdnn");
        load.put("load_ms", round(loadMs));
        load.put("file_bytes", fileBytes);
        records.add(load);
        if (saveError == null) {
            out.printf(Locale.ROOT, "%n%s: %,d parameters, %d layers; load %.0f ms (a %,d-byte .keras file read, the model"
                    + " built, batch-1 plan %.0f ms)%n", name, params, model.allLayers().size(), loadMs, fileBytes, planMs);
        } else {
            out.printf(Locale.ROOT, "%n%s: %,d parameters, %d layers; load %.0f ms (config parsed and built, %,d bytes of"
                    + " config + float32 weights handed over, batch-1 plan %.0f ms; not from a .keras file: %s)%n", name,
                    params, model.allLayers().size(), loadMs, fileBytes, planMs, saveError);
        }
        if (fresh != null) {
            out.printf(Locale.ROOT, "  in a JVM of its own (`kdnn run` of the file: a program that starts and answers one"
                    + " request): load %.0f ms, batch-1 plan %.0f ms, first prediction %.0f ms%n", fresh.loadMs(),
                    fresh.planMs(), fresh.firstMs());
            ObjectNode f = record(name, -1, "kdnn");
            f.put("process", "fresh");
            f.put("load_ms", round(fresh.loadMs()));
            f.put("plan_ms", round(fresh.planMs()));
            f.put("first_call_us", round(fresh.firstMs() * 1e3));
            records.add(f);
        } else if (freshError != null) {
            out.println("  in a JVM of its own: " + freshError);
        }
        Dl4jTarget target = dl4jFile(name, model, dl4j, out);
        try (model) {
            for (int batch : batches(name, s)) {
                long[] shape = batchShape(model, batch);
                measure(name, json, model, shape, batch == 1 ? planMs : Double.NaN, s, records, rows, concurrencyRows,
                        ortRatios, floorRatios, checkShares, target, dl4jRatios, dl4jNotes, out);
            }
        } finally {
            if (target.h5() != null) Files.deleteIfExists(target.h5());
        }
    }

    /** The model saved by {@code Models.save} as a Keras 2 {@code .h5} for DL4J, or why it is not. */
    private static Dl4jTarget dl4jFile(String name, Model model, Dl4jPeer dl4j, PrintStream out) {
        if (dl4j.unavailable() != null) return new Dl4jTarget(dl4j, null, dl4j.unavailable());
        try {
            Path dir = NativeBench.buildDir().toAbsolutePath().resolve("dl4j/models");
            Files.createDirectories(dir);
            Path h5 = dir.resolve(name + ".h5");
            long t = System.nanoTime();
            kdnn.io.Models.save(model, h5);
            out.printf(Locale.ROOT, "  kdnn's .h5 for DL4J: %,d bytes (Models.save %.0f ms)%n", Files.size(h5),
                    (System.nanoTime() - t) / 1e6);
            return new Dl4jTarget(dl4j, h5, null);
        } catch (Exception e) {
            String why = "kdnn's .h5 writer failed (Models.save): " + e.getClass().getSimpleName() + ": " + e.getMessage();
            out.println("  dl4j: " + why);
            return new Dl4jTarget(dl4j, null, why);
        }
    }

    static List<Integer> batches(String name, Settings s) {
        return s.quick() || name.startsWith("wavenet") ? List.of(1) : List.of(1, 16);
    }

    private static long[] batchShape(Model model, int batch) {
        long[] shape = model.inputShape();
        shape[0] = batch;
        return shape;
    }

    private static void measure(String name, JsonNode config, Model model, long[] shape, double batch1PlanMs,
                                Settings s, List<ObjectNode> records, List<String> rows, List<String> concurrencyRows,
                                List<Double> ortRatios, List<String> floorRatios, List<String> checkShares,
                                Dl4jTarget dl4j, List<Double> dl4jRatios,
                                List<String> dl4jNotes, PrintStream out) throws Exception {
        int batch = (int) shape[0];
        double planMs = batch1PlanMs;
        if (Double.isNaN(planMs)) {
            long t = System.nanoTime();
            model.plan(shape);
            planMs = (System.nanoTime() - t) / 1e6;
        }
        Model.WorkspaceUse use = model.workspaceUse(shape);
        float[] x = input(shape);
        long[] outShape = model.outputShape(shape);
        double best = Double.NaN;
        String kerasCell, bf16Cell, floorCell;
        float[] f32;
        double first;
        ObjectNode k = record(name, batch, "kdnn");
        try (Tensor in = Tensor.of(x, shape); Tensor y = Tensor.uninitialized(outShape)) {
            first = Timing.once(() -> model.predict(in, y));
            Settings timing = forCallsOf(Timing.once(() -> model.predict(in, y)), s);
            for (int r = 0; r < timing.rounds(); r++) {
                best = min(best, Timing.median(() -> model.predict(in, y), timing.budget()).medianUs());
            }
            f32 = y.toFloatArray();
            k.put("threads", s.threads());
            k.put("median_us", round(best));
            k.put("first_call_us", round(first));
            records.add(k);
            out.printf(Locale.ROOT, "  batch %d: predict %.2f ms (first %.1f ms, plan %.0f ms); workspace %.1f MB,"
                    + " intermediate values %.1f MB%n", batch, best / 1e3, first / 1e3, planMs,
                    use.workspaceBytes() / 1e6, use.intermediateBytes() / 1e6);

            // the propagating mode against the default, in paired chunks (one mode measured after
            // the other would compare different moments of a shared machine): the difference is its checks
            model.setExtremes(ExtremeValues.KERAS);
            model.predict(in, y); // the mode's own plan first
            model.setExtremes(null);
            Settings pair = forCallsOf(best, s);
            Pairs pairs = Pairs.of(pair, best);
            double keras = Double.NaN, fusedPaired = Double.NaN;
            double[] kerasRatios = new double[pairs.count()];
            for (int r = 0; r < kerasRatios.length; r++) {
                double[] us = pair(r, () -> Timing.median(() -> model.predict(in, y), pairs.chunk()).medianUs(), () -> {
                    model.setExtremes(ExtremeValues.KERAS);
                    try {
                        return Timing.median(() -> model.predict(in, y), pairs.chunk()).medianUs();
                    } finally {
                        model.setExtremes(null);
                    }
                });
                double fusedUs = us[0], kerasUs = us[1];
                kerasRatios[r] = kerasUs / fusedUs;
                fusedPaired = min(fusedPaired, fusedUs);
                keras = min(keras, kerasUs);
            }
            double kerasExcess = (Timing.median(kerasRatios) - 1) * 100;
            // its checks timed by themselves: a few percent cannot be told from two medians on a shared machine
            KerasChecks checks = KerasChecks.measure(model, in, y, s.threads(), pair.budget(),
                    Math.max(3, pair.rounds()));
            // text only: the JSON keeps the record forms exactly
            out.printf(Locale.ROOT, "  KERAS mode: %.2f ms against %.2f ms fused in paired chunks (%+.1f%%, the median"
                    + " of %d pairs)%n", keras / 1e3, fusedPaired / 1e3, kerasExcess, kerasRatios.length);
            bf16Cell = bf16(name, model, in, y, f32, s, records, out);
            double[] interleaved = {Double.NaN};
            floorCell = floor(name, model, in, y, best, s, records, floorRatios, interleaved, out);
            // the chunks interleaved with the keras mode and the floor are more rounds of the same
            // measurement: kdnn's figure is the best of all (a quick run's first round can catch the JIT)
            double allRounds = best;
            for (double other : new double[] {fusedPaired, interleaved[0]}) {
                if (other < allRounds) allRounds = other; // NaN (a part that could not run) never wins
            }
            if (allRounds < best) {
                best = allRounds;
                k.put("median_us", round(best));
            }
            double share = 100 * checks.medianUs() / best;
            // where the mode runs other primitives (a fold only the fused mode makes), its checks are not
            // all it adds: the interleaved difference is judged too
            double excess = kerasExcess;
            double judged = checks.samePrimitives() ? share : Math.max(share, excess);
            checkShares.add(String.format(Locale.ROOT, "%s batch %d %.2f%%%s %s", name, batch, share,
                    checks.samePrimitives() ? "" : String.format(Locale.ROOT, " (other primitives than fused;"
                            + " interleaved difference %+.1f%%)", excess), judged <= 3 ? "met" : "NOT met"));
            kerasCell = String.format(Locale.ROOT, "%.2f (%+.1f%%; checks %.2f%%)", keras / 1e3, kerasExcess, share);
            out.printf(Locale.ROOT, "  kdnn predict, best of all its rounds: %.2f ms; KERAS mode's checks: %s%n",
                    best / 1e3, checks.describe(best));
        }
        double[] besideOrt = {Double.NaN};
        double callUs = best;
        ConcurrencyBeside concurrency = batch != 1 ? null
                : ort -> concurrency(name, model, shape, callUs, s, records, concurrencyRows, ort, out);
        String ortCell = onnxRuntime(name, config, model, shape, x, f32, best, besideOrt, s, records, concurrency,
                ortRatios, out);
        if (besideOrt[0] < best) { // more rounds of kdnn's own measurement, as the floor's are
            best = besideOrt[0];
            k.put("median_us", round(best));
        }
        String dl4jCell = dl4j(name, dl4j, shape, outShape, x, f32, best, s, records, dl4jRatios, dl4jNotes, out);
        rows.add(String.format(Locale.ROOT, "| %s | %d | %.2f | %.1f | %.0f | %.1f | %.1f | %s | %s | %s | %s | %s |",
                name, batch, best / 1e3, first / 1e3, planMs, use.workspaceBytes() / 1e6, use.intermediateBytes() / 1e6,
                kerasCell, floorCell, ortCell, dl4jCell, bf16Cell));
    }

    /**
     * DL4J importing kdnn's {@code .h5} of the model in its own JVM, on the same input with the same
     * thread count and timing budget: timed (its first {@code output} call apart; the import goes to a
     * load record with the file's size), its output compared with kdnn's.
     */
    private static String dl4j(String name, Dl4jTarget t, long[] shape, long[] outShape, float[] x, float[] kdnnOut,
                               double kdnnUs, Settings s, List<ObjectNode> records, List<Double> dl4jRatios,
                               List<String> dl4jNotes, PrintStream out) throws IOException {
        int batch = (int) shape[0];
        ObjectNode r = record(name, batch, "dl4j");
        r.put("threads", s.threads());
        records.add(r);
        Dl4jPeer.Result res = t.why() != null ? Dl4jPeer.Result.failed(t.why())
                : t.peer().run(t.h5(), List.of(x), List.of(shape), s.threads(), s.budget(), s.rounds());
        if (!res.ok()) {
            r.put("error", res.error());
            out.println("  dl4j: error: " + res.error());
            if (t.peer().unavailable() == null) dl4jNotes.add(name + " batch " + batch + ": " + res.error());
            return "error";
        }
        r.put("median_us", round(res.medianUs()));
        r.put("first_call_us", round(res.firstCallUs()));
        if (batch == 1) {
            ObjectNode load = record(name, -1, "dl4j");
            load.put("load_ms", round(res.importMs()));
            load.put("file_bytes", Files.size(t.h5()));
            records.add(load);
        }
        String agree = Dl4jPeer.compare(res, outShape, kdnnOut);
        if (agree.startsWith("MISMATCH")) dl4jNotes.add(name + " batch " + batch + ": output differs from kdnn's: " + agree);
        dl4jRatios.add(res.medianUs() / kdnnUs);
        out.printf(Locale.ROOT, "  dl4j: %.2f ms (import %.0f ms as a %s, first call %.0f ms, %d timed calls, Java %s);"
                        + " DL4J / kdnn = %.2f; output vs kdnn: %s%n", res.medianUs() / 1e3, res.importMs(),
                res.modelClass(), res.firstCallUs() / 1e3, res.samples(), res.java(), res.medianUs() / kdnnUs, agree);
        return String.format(Locale.ROOT, "%.2f (%.2fx; %s)", res.medianUs() / 1e3, res.medianUs() / kdnnUs, agree);
    }

    /**
     * The timing for calls of about {@code callUs}: as set, or for calls over a second (U-Net at
     * batch 16) one round of 3 calls after one, so a full run stays within minutes.
     */
    static Settings forCallsOf(double callUs, Settings s) {
        return callUs < 1e6 ? s : new Settings(s.quick(), s.threads(), 1, new Timing.Budget(0, 0, 3), s.concurrencyMs(),
                s.dl4j(), s.policies());
    }

    /**
     * Paired chunks of two implementations, one right after the other ({@link #pair}: which one goes
     * first alternates): the ratio of a comparison is the median of the pairs' ratios. A shared machine's speed moves in steps (these 2-core VMs
     * replay the same MobileNetV2 primitives in 3.4-3.7 ms for minutes, then in 5.3-5.6), and the
     * two chunks of a pair nearly always fall in the same step, where each side's best chunk may not.
     * Each chunk gets a third of the budget, and there are as many pairs as the rounds' time holds
     * (3 at least, 3 per round at most): 9 in a run of short calls. Calls of a second or more get
     * three pairs of three calls.
     */
    record Pairs(int count, Timing.Budget chunk) {
        static Pairs of(Settings timing, double callUs) {
            Timing.Budget b = timing.budget();
            int rounds = Math.max(3, timing.rounds());
            if (b.measureMs() == 0) return new Pairs(rounds, b);
            Timing.Budget chunk = new Timing.Budget(b.warmupMs() / 3, b.measureMs() / 3, b.minIters());
            double chunkMs = Math.max(chunk.warmupMs() + chunk.measureMs(), 2 * b.minIters() * callUs / 1e3);
            long fit = Math.round(rounds * (b.warmupMs() + b.measureMs()) / chunkMs);
            return new Pairs((int) Math.max(3, Math.min(3L * rounds, fit)), chunk);
        }
    }

    /** One chunk of one side of a pair: its median microseconds. */
    interface Chunk {
        double us() throws Exception;
    }

    /**
     * Pair {@code r}'s two chunks as {@code {a, b}}: {@code a} first in even pairs, {@code b} first in
     * odd ones, so a machine that speeds up or slows down over the pairs favours neither side.
     */
    static double[] pair(int r, Chunk a, Chunk b) throws Exception {
        if (r % 2 == 0) {
            double x = a.us();
            return new double[] {x, b.us()};
        }
        double y = b.us();
        return new double[] {a.us(), y};
    }

    /** Measures the request-thread levels once ORT's session is ready ({@code ort}) or has failed ({@code ort} null). */
    interface ConcurrencyBeside {
        void measure(RequestThreads.LevelRun ort) throws Exception;
    }

    /**
     * Predictions per second with 1, 2, 4 and 8 request threads sharing one model (batch 1: serving):
     * kdnn under its policy, then under {@code SHARE_CORES} and {@code SPLIT_WHEN_QUEUED} and with {@code kdnn.threads=1}
     * (the settings a server can choose; text only, the JSON's kdnn records are the policy's), and
     * one ORT session shared the same way, all timed {@link RequestThreads#interleaved}. {@code --quick} times
     * kdnn's policy and ORT only (the others cost most of a quick run's minutes on a slow
     * machine), unless {@code --policies} asks for them.
     */
    private static void concurrency(String name, Model model, long[] shape, double callUs, Settings s, List<ObjectNode> records,
                                    List<String> concurrencyRows, RequestThreads.LevelRun ort, PrintStream out) throws Exception {
        Threads.Policy policy = Threads.policy();
        List<String> labels = new ArrayList<>();
        List<RequestThreads.LevelRun> runs = new ArrayList<>();
        labels.add("kdnn");
        runs.add((threads, ms) -> concurrency(model, shape, threads, ms));
        for (Threads.Policy other : List.of(Threads.Policy.SHARE_CORES, Threads.Policy.SPLIT_WHEN_QUEUED)) {
            if (!s.policies() || s.threads() < 2 || other == policy) continue;
            labels.add("kdnn, " + other.name().toLowerCase(Locale.ROOT));
            runs.add((threads, ms) -> {
                Threads.setPolicy(other);
                try {
                    return concurrency(model, shape, threads, ms);
                } finally {
                    Threads.setPolicy(policy);
                }
            });
        }
        if (s.policies() && s.threads() > 1) {
            labels.add("kdnn, kdnn.threads=1");
            runs.add((threads, ms) -> {
                Threads.setCount(1);
                try {
                    return concurrency(model, shape, threads, ms);
                } finally {
                    Threads.setCount(s.threads());
                }
            });
        }
        if (ort != null) {
            labels.add("onnxruntime");
            runs.add(ort);
        }
        // --quick: calls of a quarter second or more (U-Net) visit each level once; their threads' warm-up calls and
        // the calls still running at a window's end, not the window, take a visit's time
        int rounds = s.quick() && callUs >= 250_000 ? 1 : RequestThreads.LEVELS.length;
        double[][] rates = RequestThreads.interleaved(s.concurrencyMs(), runs, rounds);
        for (int r = 0; r < runs.size(); r++) {
            String impl = labels.get(r);
            StringBuilder row = new StringBuilder("| " + name + " | " + shape[0] + " | " + impl + " |");
            for (int k = 0; k < RequestThreads.LEVELS.length; k++) {
                if (impl.equals("kdnn") || impl.equals("onnxruntime")) {
                    ObjectNode c = record(name, (int) shape[0], impl);
                    c.put("request_threads", RequestThreads.LEVELS[k]);
                    c.put("predictions_per_s", round(rates[r][k]));
                    records.add(c);
                }
                row.append(String.format(Locale.ROOT, " %.1f |", rates[r][k]));
            }
            concurrencyRows.add(row.toString());
            out.println("  " + impl + ": predictions/s with 1, 2, 4, 8 request threads:"
                    + row.substring(row.indexOf(impl + " |") + impl.length() + 2));
        }
        if (ort == null) concurrencyRows.add("| " + name + " | " + shape[0] + " | onnxruntime | error | | | |");
        out.println("  (interleaved; turns that ran predictions side by side so far: " + Threads.splitTurns() + ", with "
                + Threads.splitPredictions() + " predictions)");
    }

    /** ONNX Runtime on the same graph and weights: timed, compared with kdnn's output, and under request threads. */
    private static String onnxRuntime(String name, JsonNode config, Model model, long[] shape, float[] x, float[] kdnnOut,
                                      double kdnnUs, double[] kdnnInterleaved, Settings s, List<ObjectNode> records,
                                      ConcurrencyBeside concurrency, List<Double> ortRatios, PrintStream out)
            throws Exception {
        int batch = (int) shape[0];
        long[] outShape = model.outputShape(shape);
        long[] onnxOut = outShape.length > 2 ? OnnxModels.toChannelsFirst(outShape) : outShape;
        float[] nchw = OnnxModels.nhwcToNchw(x, shape);
        ObjectNode timed = record(name, batch, "onnxruntime");
        timed.put("threads", s.threads());
        records.add(timed);
        OrtGraphPeer peer;
        double first;
        byte[] onnx;
        try {
            onnx = OnnxGraphs.model(config, model, shape);
        } catch (RuntimeException e) {
            return ortError(name, batch, timed, "export: " + e.getMessage(), records, concurrency, out);
        }
        long t0 = System.nanoTime();
        try {
            peer = new OrtGraphPeer(onnx, OnnxModels.toChannelsFirst(shape), onnxOut, s.threads());
        } catch (Exception e) {
            return ortError(name, batch, timed, "session: " + e.getMessage(), records, concurrency, out);
        }
        try (peer; OrtGraphPeer.Request request = peer.new Request(nchw)) {
            request.run();
            first = (System.nanoTime() - t0) / 1e3;
            double best = Double.NaN;
            double ortOnceUs = Timing.once(request::run);
            Pairs pairs = Pairs.of(forCallsOf(ortOnceUs, s), Math.max(ortOnceUs, kdnnUs));
            double[] ratios = new double[pairs.count()];
            StringBuilder pairText = new StringBuilder();
            // ORT's chunks paired with kdnn's, as the floor's are: figures taken minutes apart on a
            // shared machine would compare two moments of its load, not the two runtimes
            try (Tensor kin = Tensor.of(x, shape); Tensor ky = Tensor.uninitialized(outShape)) {
                model.predict(kin, ky);
                for (int r = 0; r < ratios.length; r++) {
                    double[] us = pair(r, () -> Timing.median(request::run, pairs.chunk()).medianUs(),
                            () -> Timing.median(() -> model.predict(kin, ky), pairs.chunk()).medianUs());
                    double ortUs = us[0], kdnnChunkUs = us[1];
                    ratios[r] = ortUs / kdnnChunkUs;
                    pairText.append(String.format(Locale.ROOT, " %.2f/%.2f", ortUs / 1e3, kdnnChunkUs / 1e3));
                    best = min(best, ortUs);
                    kdnnInterleaved[0] = min(kdnnInterleaved[0], kdnnChunkUs);
                }
            }
            double kdnnPaired = kdnnInterleaved[0];
            double ratio = Timing.median(ratios);
            float[] y = request.output();
            String agree = BenchMain.compare(outShape.length > 2 ? OnnxModels.nchwToNhwc(y, outShape) : y, kdnnOut);
            timed.put("median_us", round(best));
            timed.put("first_call_us", round(first));
            ortRatios.add(ratio);
            out.printf(Locale.ROOT, "  onnxruntime: %.2f ms (session + first run %.0f ms); interleaved kdnn predict %.2f ms:"
                    + " ORT / kdnn = %.2f (the median of %d paired chunks; best against best %.2f); output vs kdnn: %s%n",
                    best / 1e3, first / 1e3, kdnnPaired / 1e3, ratio, ratios.length, best / kdnnPaired, agree);
            out.println("  onnxruntime: the pairs, ORT ms / kdnn ms:" + pairText);
            if (batch != 1) {
                return String.format(Locale.ROOT, "%.2f (%.2fx; %s)", best / 1e3, ratio, agree);
            }
            concurrency.measure((threads, ms) -> ortConcurrency(peer, nchw, threads, ms));
            return String.format(Locale.ROOT, "%.2f (%.2fx; %s)", best / 1e3, ratio, agree);
        }
    }

    private static String ortError(String name, int batch, ObjectNode timed, String why, List<ObjectNode> records,
                                   ConcurrencyBeside concurrency, PrintStream out) throws Exception {
        timed.put("error", why);
        for (int threads : batch == 1 ? RequestThreads.LEVELS : new int[0]) {
            ObjectNode e = record(name, batch, "onnxruntime");
            e.put("request_threads", threads);
            e.put("error", why);
            records.add(e);
        }
        out.println("  onnxruntime: error: " + why);
        if (concurrency != null) concurrency.measure(null);
        return "error";
    }

    private static double ortConcurrency(OrtGraphPeer peer, float[] nchw, int threads, long windowMs) throws Exception {
        return RequestThreads.requestThreads(threads, windowMs, () -> {
            OrtGraphPeer.Request r = peer.new Request(nchw);
            return new RequestThreads.Caller() {
                @Override
                public void call() throws Exception {
                    r.run();
                }

                @Override
                public void close() {
                    r.close();
                }
            };
        });
    }

    /**
     * The floor: one prediction traced, its oneDNN primitives replayed from C on the same library
     * and thread count with buffers shared as kdnn's call shared them ({@link FloorPlan}); chunks
     * of the replay and of kdnn's predict interleaved (at least 3 of each), each side keeping its best, and
     * predict / floor from those. Steps the replay leaves out (Java steps) are named; oneDNN's
     * implementations on both sides are compared.
     */
    private static String floor(String name, Model model, Tensor in, Tensor y, double kdnnUs, Settings s,
                                List<ObjectNode> records, List<String> floorRatios, double[] kdnnInterleaved,
                                PrintStream out) throws Exception {
        int batch = (int) in.shape()[0];
        ObjectNode f = record(name, batch, "floor");
        f.put("threads", s.threads());
        records.add(f);
        model.predict(in, y); // whatever a first call after a precision change prepares is not traced
        FloorPlan plan = FloorPlan.of(ExecutionTrace.record(() -> model.predict(in, y)));
        String left = plan.left().isEmpty() ? "" : "; not in the floor: " + plan.leftSummary();
        if (plan.ops() == 0) {
            f.put("error", "no oneDNN primitive of the prediction can be replayed" + left);
            out.println("  floor: error: " + f.get("error").asText());
            return "error";
        }
        // kept for a look or a replay by hand: bench_conv THREADS 0 0 1 < FILE (with ONEDNN_VERBOSE=profile_exec)
        Path saved = NativeBench.buildDir().resolve("floor").resolve(name + "-b" + batch + ".plan");
        Files.createDirectories(saved.getParent());
        // the replay computes on the call's own input and weights: oneDNN's kernels take longer on some values
        String data = plan.writeData(saved.resolveSibling(name + "-b" + batch + ".data"));
        Files.writeString(saved, "PLAN " + name + "-b" + batch + " " + plan.body() + data + "\n");
        Pairs pairs = Pairs.of(forCallsOf(kdnnUs, s), kdnnUs);
        double floorBest = Double.NaN, kdnnBest = Double.NaN;
        double[] ratios = new double[pairs.count()];
        StringBuilder pairText = new StringBuilder();
        NativeBench.Session.PlanStart started;
        try (NativeBench.Session nat = NativeBench.start(s.threads(), pairs.chunk())) {
            started = nat.plan(name + "-b" + batch, plan.body());
            nat.data(data);
            for (int r = 0; r < ratios.length; r++) {
                double[] us = pair(r, () -> nat.measure().medianUs(),
                        () -> Timing.median(() -> model.predict(in, y), pairs.chunk()).medianUs());
                double floorUs = us[0], kdnnChunkUs = us[1];
                ratios[r] = kdnnChunkUs / floorUs;
                pairText.append(String.format(Locale.ROOT, " %.2f/%.2f", kdnnChunkUs / 1e3, floorUs / 1e3));
                floorBest = min(floorBest, floorUs);
                kdnnBest = min(kdnnBest, kdnnChunkUs);
            }
        } catch (java.io.IOException e) {
            f.put("error", "bench_conv: " + e.getMessage());
            out.println("  floor: error: " + e.getMessage());
            return "error";
        }
        kdnnInterleaved[0] = kdnnBest;
        f.put("median_us", round(floorBest));
        f.put("first_call_us", round(started.firstCallUs()));
        long otherThreads = plan.threadMismatches();
        List<String> mismatches = plan.implementationMismatches(started.implementations());
        double ratio = Timing.median(ratios);
        out.printf(Locale.ROOT, "  floor: %.2f ms (%d oneDNN primitives replayed from C; first %.1f ms); interleaved"
                + " kdnn predict %.2f ms: predict / floor = %.3f (the median of %d paired chunks; best against best"
                + " %.3f)%s%n", floorBest / 1e3, plan.ops(), started.firstCallUs() / 1e3, kdnnBest / 1e3, ratio,
                ratios.length, kdnnBest / floorBest, left);
        out.println("  floor: the pairs, kdnn ms / floor ms:" + pairText);
        out.println("  floor: oneDNN implementations " + (mismatches.isEmpty() ? "the same as kdnn's for every primitive"
                : "differ from kdnn's: " + String.join("; ", mismatches)) + "; the plan: " + saved);
        if (otherThreads > 0) {
            out.printf(Locale.ROOT, "  floor: note: kdnn ran %d of the primitives with another OpenMP thread count than"
                    + " they were created for (the replay runs each with its own)%n", otherThreads);
        }
        floorRatios.add(String.format(Locale.ROOT, "%s batch %d %.3f %s", name, batch, ratio,
                ratio <= 1.05 ? "met" : "NOT met"));
        int n = plan.left().size();
        return String.format(Locale.ROOT, "%.2f (%.3f)%s", floorBest / 1e3, ratio,
                n == 0 ? "" : " (" + n + (n == 1 ? " step" : " steps") + " not replayed)");
    }

    /**
     * bf16 where the CPU has it, timed in chunks interleaved with float32 ones (the speedup is of
     * those pairs: a shared machine's speed moves between minutes); otherwise an error record with
     * oneDNN's or kdnn's reason.
     */
    private static String bf16(String name, Model model, Tensor in, Tensor y, float[] f32, Settings s,
                               List<ObjectNode> records, PrintStream out) throws Exception {
        ObjectNode b = record(name, (int) in.shape()[0], "kdnn-bf16");
        b.put("threads", s.threads());
        records.add(b);
        try {
            model.setPrecision(Precision.BF16);
            double first = Timing.once(() -> model.predict(in, y));
            double best = Double.NaN, f32Best = Double.NaN;
            double again = Timing.once(() -> model.predict(in, y)); // the first call made the plan
            Pairs pairs = Pairs.of(forCallsOf(again, s), again);
            double[] speedups = new double[pairs.count()];
            for (int r = 0; r < speedups.length; r++) {
                double[] us = pair(r, () -> {
                    model.setPrecision(Precision.F32);
                    return Timing.median(() -> model.predict(in, y), pairs.chunk()).medianUs();
                }, () -> {
                    model.setPrecision(Precision.BF16);
                    return Timing.median(() -> model.predict(in, y), pairs.chunk()).medianUs();
                });
                double f32Us = us[0], bf16Us = us[1];
                speedups[r] = f32Us / bf16Us;
                f32Best = min(f32Best, f32Us);
                best = min(best, bf16Us);
            }
            double speedup = Timing.median(speedups);
            model.setPrecision(Precision.BF16); // the last chunk may have been float32's
            model.predict(in, y);
            String diff = BenchMain.compareBf16(y.toFloatArray(), f32);
            b.put("median_us", round(best));
            b.put("first_call_us", round(first));
            out.printf(Locale.ROOT, "  bf16: %.2f ms against %.2f ms float32 in paired chunks: %.2fx (the median of %d"
                    + " pairs); against float32: %s%n", best / 1e3, f32Best / 1e3, speedup, speedups.length, diff);
            return String.format(Locale.ROOT, "%.2f ms (%.2fx float32; %s)", best / 1e3, speedup, diff);
        } catch (UnsupportedOperationException | IllegalStateException | IllegalArgumentException e) {
            b.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
            out.println("  bf16: error: " + e.getMessage());
            return "error";
        } finally {
            model.setPrecision(Precision.F32);
        }
    }

    /** Predictions per second of {@code threads} request threads, each with its own tensors, sharing {@code model}. */
    static double concurrency(Model model, long[] shape, int threads, long windowMs) throws Exception {
        float[] x = input(shape);
        long[] outShape = model.outputShape(shape);
        return RequestThreads.requestThreads(threads, windowMs, () -> {
            Tensor in = Tensor.of(x, shape);
            Tensor y = Tensor.uninitialized(outShape);
            return new RequestThreads.Caller() {
                @Override
                public void call() {
                    model.predict(in, y);
                }

                @Override
                public void close() {
                    in.close();
                    y.close();
                }
            };
        });
    }

    static float[] input(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        float[] x = new float[Math.toIntExact(n)];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    static ObjectNode record(String model, int batch, String impl) {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", model);
        if (batch > 0) o.put("batch", batch);
        o.put("impl", impl);
        return o;
    }

    static void write(Path file, List<ObjectNode> records) throws IOException {
        ArrayNode arr = JSON.createArrayNode();
        records.forEach(arr::add);
        if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
        JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), arr);
    }

    static String cpu() {
        try {
            String model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
            return model + ", " + Runtime.getRuntime().availableProcessors() + " cores";
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static double min(double best, double v) {
        return Double.isNaN(best) ? v : Math.min(best, v);
    }
}
