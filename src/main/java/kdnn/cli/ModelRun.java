package kdnn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import kdnn.Tensor;
import kdnn.layers.Shapes;
import kdnn.model.ModelFiles;
import kdnn.model.Sequential;

/**
 * {@code kdnn run MODEL_DIR [--input FILE.json]}: loads a model folder, prints its summary, runs
 * an input through it and compares with the expected output when one is known.
 */
final class ModelRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An input batch and, when known, the output Keras gave for it. */
    record Example(long[] inputShape, float[] input, long[] outputShape, float[] output, double atol, double rtol) {
    }

    private ModelRun() {
    }

    static int main(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].startsWith("-")) {
            err.print(Usage.of("run"));
            return 2;
        }
        Path dir = Path.of(args[0]);
        String name = dir.toAbsolutePath().normalize().getFileName().toString();
        Path inputFile = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--input") && i + 1 < args.length) {
                inputFile = Path.of(args[++i]);
            } else {
                err.println("kdnn run: unknown argument '" + args[i] + "'");
                err.print(Usage.of("run"));
                return 2;
            }
        }
        try (Sequential model = ModelFiles.load(dir)) {
            out.print(model.summary());
            Example ex = inputFile != null ? readExample(inputFile)
                    : Files.isRegularFile(dir.resolve("expected.json")) ? readExample(dir.resolve("expected.json"))
                    : generated(model);
            Result r = run(model, ex);
            out.println("input shape:  " + Shapes.format(ex.inputShape()));
            out.println("output shape: " + Shapes.format(r.shape));
            if (ex.output() == null) {
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

    record Result(long[] shape, double maxErr, String failure) {
    }

    /** Runs an example and checks it within its tolerance. */
    static Result run(Sequential model, Example ex) {
        try (Tensor in = Tensor.of(ex.input(), ex.inputShape()); Tensor got = model.predict(in)) {
            return compare(ex, got);
        }
    }

    /** Checks a model's output for the example's input within the example's tolerance. */
    static Result compare(Example ex, Tensor got) {
        if (ex.output() == null) {
            return new Result(got.shape(), 0, null);
        }
        if (!Arrays.equals(got.shape(), ex.outputShape())) {
            return new Result(got.shape(), Double.NaN, "output shape " + Shapes.format(got.shape())
                    + ", expected " + Shapes.format(ex.outputShape()));
        }
        float[] g = got.toFloatArray();
        double max = 0;
        String failure = null;
        for (int i = 0; i < g.length; i++) {
            double err = Math.abs(g[i] - ex.output()[i]);
            max = Math.max(max, err);
            if (failure == null && !GoldenCase.within(g[i], ex.output()[i], ex.atol(), ex.rtol())) {
                failure = "value " + i + " is " + g[i] + ", expected " + ex.output()[i];
            }
        }
        return new Result(got.shape(), max, failure);
    }

    /** {@code {"input": {"shape", "data"}, "output": {...}, "atol", "rtol"}}, or a bare {@code {"shape", "data"}}. */
    static Example readExample(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        JsonNode in = root.has("input") ? root.get("input") : root;
        JsonNode out = root.get("output");
        long[] inShape = GoldenCase.longs(in.path("shape"));
        float[] data = GoldenCase.floats(in.path("data"));
        if (inShape.length == 0 || data.length != GoldenCase.product(inShape)) {
            throw new IllegalArgumentException("input in " + file + " needs a shape and shape-many data values");
        }
        return new Example(inShape, data, out == null ? null : GoldenCase.longs(out.path("shape")),
                out == null ? null : GoldenCase.floats(out.path("data")), root.path("atol").asDouble(1e-4),
                root.path("rtol").asDouble(1e-4));
    }

    /** A seeded batch of one for the model's input shape. */
    static Example generated(Sequential model) {
        long[] shape = model.inputShape();
        if (shape[0] < 0) shape[0] = 1;
        SplittableRandom r = new SplittableRandom(42);
        float[] x = new float[Math.toIntExact(GoldenCase.product(shape))];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return new Example(shape, x, null, null, 0, 0);
    }
}
