package kdnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import kdnn.Tensor;
import kdnn.io.Models;
import kdnn.model.Model;

/**
 * {@code kdnn bench --dl4j-files [DIR...] [--threads N] [--keep] [--json FILE]}: DL4J as an independent
 * reader of the Keras 2 {@code .h5} files kdnn writes (issue 13). For every golden model folder
 * (default: those of {@code ${kdnn.shared}/models} and {@code functional-models}), kdnn loads its
 * {@code model.h5}, runs {@code expected.json}'s input and saves the model with
 * {@code Models.save} as {@code .h5}; DL4J ({@link Dl4jPeer}) imports that file and, for contrast,
 * the original {@code model.h5}, each run on the same input and compared with
 * {@code expected.json}'s output(s) within its {@code atol}/{@code rtol}. The table says "ok" with
 * the largest difference, "DIFFERS", or DL4J's refusal word for word. {@code --keep} leaves kdnn's
 * files in {@code <build dir>/dl4j/files} for a look.
 */
final class Dl4jFileCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One example: inputs and expected outputs, Keras order. */
    record Example(List<long[]> inputShapes, List<float[]> inputs, List<long[]> outputShapes, List<float[]> outputs,
                   double atol, double rtol) {
    }

    private Dl4jFileCheck() {
    }

    static final String USAGE = "usage: kdnn bench --dl4j-files [DIR...] [--threads N] [--keep] [--json FILE]";

    static int run(String[] args, PrintStream out) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors();
        Path json = null;
        boolean keep = false;
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dl4j-files" -> {
                    while (i + 1 < args.length && !args[i + 1].startsWith("--")) dirs.add(Path.of(args[++i]));
                }
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                case "--keep" -> keep = true;
                default -> {
                    System.err.println(USAGE);
                    return 2;
                }
            }
        }
        if (dirs.isEmpty()) dirs = defaultFolders();
        if (dirs.isEmpty()) {
            out.println("no model folders: give some, or put them in ${kdnn.shared}/models and functional-models");
            return 1;
        }
        Dl4jPeer dl4j = Dl4jPeer.locate(out);
        if (dl4j.unavailable() != null) {
            out.println("dl4j: " + dl4j.unavailable());
            return 1;
        }
        out.printf(Locale.ROOT, "kdnn bench --dl4j-files: %d models; DL4J %s (deeplearning4j-modelimport, nd4j-native) in"
                + " a JVM of its own (%s), %d threads; each model.h5 loaded by kdnn and saved by Models.save as .h5%n",
                dirs.size(), Dl4jPeer.VERSION, dl4j.java(), threads);
        Path work = NativeBench.buildDir().toAbsolutePath().resolve("dl4j/files");
        Files.createDirectories(work);
        Timing.Budget once = new Timing.Budget(0, 0, 1);
        List<String> rows = new ArrayList<>();
        List<ObjectNode> records = new ArrayList<>();
        for (Path dir : dirs) {
            String name = dir.getFileName().toString();
            Example ex = readExample(dir.resolve("expected.json"));
            out.println("  " + name + " ...");
            String original = cell(dl4j.run(dir.resolve("model.h5"), ex.inputs(), ex.inputShapes(), threads, once, 1), ex);
            records.add(record(name, "original", original));
            String kdnnCell;
            String ours;
            Path saved = work.resolve(name + ".h5");
            try (Model model = Models.load(dir.resolve("model.h5"))) {
                kdnnCell = kdnnCell(model, ex);
                try {
                    Models.save(model, saved);
                    ours = cell(dl4j.run(saved, ex.inputs(), ex.inputShapes(), threads, once, 1), ex);
                } catch (Exception e) {
                    ours = "kdnn's save failed: " + e.getClass().getSimpleName() + ": " + e.getMessage();
                }
            } catch (Exception e) {
                kdnnCell = "kdnn's load failed: " + e.getClass().getSimpleName() + ": " + e.getMessage();
                ours = "-";
            } finally {
                if (!keep) Files.deleteIfExists(saved);
            }
            records.add(record(name, "kdnn", ours));
            out.println("    DL4J on the original: " + original);
            out.println("    DL4J on kdnn's .h5:   " + ours);
            rows.add("| " + name + " | " + kdnnCell + " | " + original.replace("|", "\\|") + " | "
                    + ours.replace("|", "\\|") + " |");
        }
        out.println();
        out.println("DL4J " + Dl4jPeer.VERSION + " importing each golden model's .h5 (KerasModelImport, training config not"
                + " enforced), run on expected.json's input, against expected.json's output:");
        out.println("| model | kdnn on model.h5 | DL4J on the original model.h5 | DL4J on kdnn's .h5 (Models.save) |");
        out.println("|---|---|---|---|");
        rows.forEach(out::println);
        if (json != null) {
            ArchitectureBench.write(json, records);
            out.println("wrote " + json);
        }
        return 0;
    }

    private static ObjectNode record(String model, String file, String cell) {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", model);
        o.put("file", file);
        o.put("impl", "dl4j");
        if (cell.startsWith("ok")) o.put("result", cell);
        else o.put("error", cell);
        return o;
    }

    /** The golden model folders: those with model.h5 and expected.json, models first, each sorted. */
    static List<Path> defaultFolders() throws java.io.IOException {
        Path shared = Path.of(System.getProperty("kdnn.shared", "../shared"));
        List<Path> all = new ArrayList<>();
        for (String sub : List.of("models", "functional-models")) {
            Path d = shared.resolve(sub);
            if (!Files.isDirectory(d)) continue;
            try (Stream<Path> s = Files.list(d)) {
                s.filter(p -> Files.isRegularFile(p.resolve("model.h5")) && Files.isRegularFile(p.resolve("expected.json")))
                        .sorted().forEach(all::add);
            }
        }
        return all;
    }

    /** kdnn's own output on the example, for reference: which side of a difference is whose. */
    private static String kdnnCell(Model model, Example ex) {
        List<Tensor> in = new ArrayList<>();
        try {
            for (int i = 0; i < ex.inputs().size(); i++) in.add(Tensor.of(ex.inputs().get(i), ex.inputShapes().get(i)));
            List<Tensor> got = model.predict(in);
            try {
                return compare(got.stream().map(Tensor::shape).toList(), got.stream().map(Tensor::toFloatArray).toList(), ex);
            } finally {
                got.forEach(Tensor::close);
            }
        } catch (RuntimeException e) {
            return "kdnn failed: " + e.getMessage();
        } finally {
            in.forEach(Tensor::close);
        }
    }

    private static String cell(Dl4jPeer.Result r, Example ex) {
        if (!r.ok()) return r.error();
        return compare(r.outputShapes(), r.outputs(), ex);
    }

    /**
     * "ok (max abs diff d)" when every output has the expected shape and every value is within
     * {@code atol + rtol * |expected|}; otherwise "DIFFERS (...)" saying where.
     */
    static String compare(List<long[]> shapes, List<float[]> values, Example ex) {
        if (values.size() != ex.outputs().size()) {
            return "DIFFERS (" + values.size() + " outputs, expected " + ex.outputs().size() + ")";
        }
        double max = 0;
        List<String> bad = new ArrayList<>();
        for (int k = 0; k < values.size(); k++) {
            if (!Arrays.equals(shapes.get(k), ex.outputShapes().get(k))) {
                bad.add("output " + k + " shape " + Arrays.toString(shapes.get(k)) + ", expected "
                        + Arrays.toString(ex.outputShapes().get(k)));
                continue;
            }
            float[] got = values.get(k), want = ex.outputs().get(k);
            int worst = -1;
            for (int i = 0; i < got.length; i++) {
                double d = Math.abs((double) got[i] - want[i]);
                if (!(d <= ex.atol() + ex.rtol() * Math.abs(want[i])) && worst < 0) worst = i;
                if (Double.isNaN(d)) d = Double.POSITIVE_INFINITY;
                max = Math.max(max, d);
            }
            if (worst >= 0) {
                bad.add(String.format(Locale.ROOT, "output %d[%d] = %.6g, expected %.6g", k, worst, got[worst], want[worst]));
            }
        }
        if (!bad.isEmpty()) {
            return String.format(Locale.ROOT, "DIFFERS (max abs diff %.2g; %s)", max, String.join("; ", bad));
        }
        return String.format(Locale.ROOT, "ok (max abs diff %.1e)", max);
    }

    /** expected.json: {@code input}/{@code output}, or {@code inputs}/{@code outputs} lists, each {shape, data}. */
    static Example readExample(Path file) throws java.io.IOException {
        JsonNode root = JSON.readTree(file.toFile());
        List<JsonNode> ins = new ArrayList<>(), outs = new ArrayList<>();
        if (root.has("inputs")) root.get("inputs").forEach(ins::add);
        else ins.add(root.get("input"));
        if (root.has("outputs")) root.get("outputs").forEach(outs::add);
        else outs.add(root.get("output"));
        List<long[]> inShapes = new ArrayList<>(), outShapes = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>(), outputs = new ArrayList<>();
        for (JsonNode n : ins) {
            inShapes.add(shapeOf(n));
            inputs.add(flatten(n.get("data")));
        }
        for (JsonNode n : outs) {
            outShapes.add(shapeOf(n));
            outputs.add(flatten(n.get("data")));
        }
        return new Example(inShapes, inputs, outShapes, outputs, root.path("atol").asDouble(1e-4),
                root.path("rtol").asDouble(1e-4));
    }

    private static long[] shapeOf(JsonNode n) {
        long[] s = new long[n.get("shape").size()];
        for (int i = 0; i < s.length; i++) s[i] = n.get("shape").get(i).asLong();
        return s;
    }

    private static float[] flatten(JsonNode data) {
        List<Float> v = new ArrayList<>();
        flatten(data, v);
        float[] f = new float[v.size()];
        for (int i = 0; i < f.length; i++) f[i] = v.get(i);
        return f;
    }

    private static void flatten(JsonNode n, List<Float> into) {
        if (n.isArray()) n.forEach(c -> flatten(c, into));
        else into.add((float) n.asDouble());
    }
}
