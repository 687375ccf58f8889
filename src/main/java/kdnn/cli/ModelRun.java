package kdnn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import kdnn.Tensor;
import kdnn.layers.Shapes;
import kdnn.model.Model;
import kdnn.io.Models;

/**
 * {@code kdnn run MODEL_DIR [--input FILE.json]}: loads a model folder, prints its summary, runs
 * an input through it and compares with the expected output when one is known.
 */
final class ModelRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Input batches (one per model input) and, when known, the outputs Keras gave for them. */
    record Example(List<long[]> inputShapes, List<float[]> inputs, List<long[]> outputShapes, List<float[]> outputs,
                   double atol, double rtol) {
        boolean hasOutputs() {
            return outputs != null;
        }
    }

    /** The length a generated input gives an axis the model leaves open. */
    static final int OPEN_LENGTH = 32;

    private ModelRun() {
    }

    /** {@code kdnn summary MODEL [--weights FILE]}: Keras' summary, then the plan. */
    static int summary(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 1 && !(args.length == 3 && args[1].equals("--weights")) || args[0].startsWith("-")) {
            err.print(Usage.of("summary"));
            return 2;
        }
        Path model = Path.of(args[0]);
        try (Model m = args.length == 3 ? Models.load(model, Path.of(args[2])) : Models.load(model)) {
            out.print(m.summary());
            if (m.hasOpenInputLengths()) {
                out.println("plan: made for each input size (the inputs leave lengths open: "
                        + String.join(", ", m.inputShapes().stream().map(Shapes::format).toList()) + ")");
            } else {
                out.print(m.plan());
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("kdnn summary: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return 1;
        }
    }

    /** How the line of this process's times starts: then load, plan and first prediction in ms. */
    static final String TIMINGS = "times in this process: load";

    static int main(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].startsWith("-")) {
            err.print(Usage.of("run"));
            return 2;
        }
        Path model = Path.of(args[0]);
        String name = (Files.isDirectory(model) ? model : model.toAbsolutePath().normalize().getParent() != null
                && Files.isRegularFile(model) && model.getFileName().toString().startsWith("model.")
                ? model.toAbsolutePath().normalize().getParent() : model).toAbsolutePath().normalize().getFileName()
                .toString();
        Path inputFile = null;
        Path expectedFile = null;
        Path weightsFile = null;
        for (int i = 1; i < args.length; i++) {
            boolean value = i + 1 < args.length;
            switch (args[i]) {
                case "--input" -> { if (value) { inputFile = Path.of(args[++i]); continue; } }
                case "--expected" -> { if (value) { expectedFile = Path.of(args[++i]); continue; } }
                case "--weights" -> { if (value) { weightsFile = Path.of(args[++i]); continue; } }
                default -> { }
            }
            err.println("kdnn run: unknown or incomplete argument '" + args[i] + "'");
            err.print(Usage.of("run"));
            return 2;
        }
        Path folder = Files.isDirectory(model) ? model : model.toAbsolutePath().normalize().getParent();
        if (expectedFile == null && !Files.isDirectory(model)) {
            expectedFile = StoredPrediction.besideModel(model);
        }
        if (expectedFile == null && folder != null && Files.isRegularFile(folder.resolve("expected.json"))) {
            expectedFile = folder.resolve("expected.json");
        }
        long loadStart = System.nanoTime();
        try (Model m = weightsFile == null ? Models.load(model) : Models.load(model, weightsFile)) {
            long loaded = System.nanoTime();
            out.print(m.summary());
            Example ex = inputFile != null ? readExample(inputFile, m) : expectedFile != null ? readExample(expectedFile, m)
                    : generated(m);
            if (inputFile != null && expectedFile != null) {
                Example want = readExample(expectedFile, m);
                ex = new Example(ex.inputShapes(), ex.inputs(), want.outputShapes(), want.outputs(), want.atol(),
                        want.rtol());
            }
            long planStart = System.nanoTime();
            m.plan(ex.inputShapes().toArray(long[][]::new));
            long planned = System.nanoTime();
            Result r = run(m, ex);
            long predicted = System.nanoTime();
            out.println("input shape:  " + String.join(", ", ex.inputShapes().stream().map(Shapes::format).toList()));
            out.println("output shape: " + String.join(", ", r.shapes.stream().map(Shapes::format).toList()));
            // what a program that starts, loads a model and answers one request waits for
            out.printf(java.util.Locale.ROOT, "%s %.1f ms, plan %.1f ms, first prediction %.1f ms%n", TIMINGS,
                    (loaded - loadStart) / 1e6, (planned - planStart) / 1e6, (predicted - planned) / 1e6);
            if (!ex.hasOutputs()) {
                out.println("PASS " + name + " - (no expected output to compare)");
                return 0;
            }
            out.println("max abs difference from the expected output: " + String.format("%.3g", r.maxErr));
            if (r.failure != null) {
                out.println("FAIL " + name + " " + r.failure);
                return 1;
            }
            out.println("PASS " + name + " " + String.format("%.3g", r.maxErr));
            return 0;
        } catch (IOException | RuntimeException e) {
            out.println("FAIL " + name + " " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return 1;
        }
    }

    record Result(List<long[]> shapes, double maxErr, String failure) {
    }

    /** The example's inputs as new tensors the caller closes. */
    static List<Tensor> inputs(Example ex) {
        List<Tensor> in = new ArrayList<>();
        try {
            for (int i = 0; i < ex.inputs().size(); i++) in.add(Tensor.of(ex.inputs().get(i), ex.inputShapes().get(i)));
            return in;
        } catch (RuntimeException | Error e) {
            in.forEach(Tensor::close);
            throw e;
        }
    }

    /** Runs an example and checks it within its tolerance. */
    static Result run(Model model, Example ex) {
        List<Tensor> in = inputs(ex);
        try {
            List<Tensor> got = model.predict(in);
            try {
                return compare(ex, got);
            } finally {
                got.forEach(Tensor::close);
            }
        } finally {
            in.forEach(Tensor::close);
        }
    }

    /** Checks a model's outputs against the example's within its tolerance. */
    static Result compare(Example ex, List<Tensor> got) {
        List<long[]> shapes = got.stream().map(Tensor::shape).toList();
        if (!ex.hasOutputs()) {
            return new Result(shapes, 0, null);
        }
        if (got.size() != ex.outputs().size()) {
            return new Result(shapes, Double.NaN, "the model gives " + got.size() + " outputs, the example "
                    + ex.outputs().size());
        }
        double max = 0;
        String failure = null;
        for (int k = 0; k < got.size(); k++) {
            if (!Arrays.equals(shapes.get(k), ex.outputShapes().get(k))) {
                return new Result(shapes, Double.NaN, "output " + k + " has shape " + Shapes.format(shapes.get(k))
                        + ", expected " + Shapes.format(ex.outputShapes().get(k)));
            }
            float[] g = got.get(k).toFloatArray();
            float[] want = ex.outputs().get(k);
            for (int i = 0; i < g.length; i++) {
                double err = Math.abs(g[i] - want[i]);
                if (!Double.isNaN(err)) max = Math.max(max, err);
                if (failure == null && !GoldenCase.within(g[i], want[i], ex.atol(), ex.rtol())) {
                    failure = (got.size() > 1 ? "output " + k + " " : "") + "value " + i + " is " + g[i]
                            + ", expected " + want[i];
                }
            }
        }
        return new Result(shapes, max, failure);
    }

    /** An example in JSON ({@link #readExample(Path)}) or in HDF5 as {@link StoredPrediction} reads it for this model. */
    static Example readExample(Path file, Model model) throws IOException {
        if (!StoredPrediction.isHdf5(file)) {
            return readExample(file);
        }
        StoredPrediction.Arrays a = StoredPrediction.read(file, model.inputNames(), model.outputNames());
        return new Example(a.inputShapes(), a.inputs(), a.outputShapes(), a.outputs(), StoredPrediction.ATOL,
                StoredPrediction.RTOL);
    }

    /**
     * {@code {"input": {"shape", "data"}, "output": {...}, "atol", "rtol"}}, the same with
     * {@code "inputs"}/{@code "outputs"} lists for several, or a bare {@code {"shape", "data"}}.
     */
    static Example readExample(Path file) throws IOException {
        JsonNode root = GoldenCase.json(file);
        List<JsonNode> ins = new ArrayList<>();
        if (root.has("inputs")) root.get("inputs").forEach(ins::add);
        else ins.add(root.has("input") ? root.get("input") : root);
        List<JsonNode> outs = null;
        if (root.has("outputs")) {
            outs = new ArrayList<>();
            root.get("outputs").forEach(outs::add);
        } else if (root.has("output")) {
            outs = List.of(root.get("output"));
        }
        List<long[]> inShapes = new ArrayList<>();
        List<float[]> inData = new ArrayList<>();
        for (JsonNode in : ins) {
            long[] shape = GoldenCase.longs(in.path("shape"));
            float[] data = GoldenCase.floats(in.path("data"));
            if (shape.length == 0 || data.length != GoldenCase.product(shape)) {
                throw new IllegalArgumentException("input in " + file + " needs a shape and shape-many data values");
            }
            inShapes.add(shape);
            inData.add(data);
        }
        List<long[]> outShapes = outs == null ? null : outs.stream().map(o -> GoldenCase.longs(o.path("shape"))).toList();
        List<float[]> outData = outs == null ? null : outs.stream().map(o -> GoldenCase.floats(o.path("data"))).toList();
        return new Example(inShapes, inData, outShapes, outData, root.path("atol").asDouble(1e-4),
                root.path("rtol").asDouble(1e-4));
    }

    /** A seeded batch of one for the model's input shape, an open length taken as {@link #OPEN_LENGTH}. */
    static Example generated(Model model) {
        SplittableRandom r = new SplittableRandom(42);
        List<long[]> shapes = new ArrayList<>();
        List<float[]> data = new ArrayList<>();
        for (long[] declared : model.inputShapes()) {
            long[] shape = declared.clone();
            for (int i = 0; i < shape.length; i++) if (shape[i] < 0) shape[i] = i == 0 ? 1 : OPEN_LENGTH;
            float[] x = new float[Math.toIntExact(GoldenCase.product(shape))];
            for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
            shapes.add(shape);
            data.add(x);
        }
        return new Example(shapes, data, null, null, 0, 0);
    }
}
