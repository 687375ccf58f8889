package kdnn.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import kdnn.Tensor;
import kdnn.layers.Shapes;
import kdnn.model.ModelFiles;
import kdnn.model.ModelFolders;
import kdnn.model.Model;

/**
 * {@code kdnn demo}, the main job: runs the Keras models of ../shared/models (and the copies
 * bundled with kdnn, so it works from a plain checkout) and prints for each its summary, the
 * steady-state time per batch (as {@code kdnn bench --models} measures it), the first
 * prediction's time and the agreement with Keras' output.
 */
final class Demo {
    private Demo() {
    }

    static int run(PrintStream out) throws IOException {
        Map<String, Path> models = new java.util.LinkedHashMap<>(ModelFolders.find());
        ModelFolders.findFunctional().forEach(models::putIfAbsent);
        Path shared = Path.of(System.getProperty("kdnn.shared", "../shared"), "models");
        if (models.isEmpty()) {
            out.println("no models found in " + shared + " or bundled with kdnn");
            return 1;
        }
        int failed = 0;
        for (var e : models.entrySet()) {
            out.println("== " + e.getKey() + "  (" + e.getValue() + ")");
            failed += demo(e.getKey(), e.getValue(), out) ? 0 : 1;
            out.println();
        }
        out.println((models.size() - failed) + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }

    private static boolean demo(String name, Path dir, PrintStream out) {
        try (Model model = kdnn.io.Models.load(dir)) {
            out.print(model.summary());
            out.print("runs as: " + model.plan());
            Path expected = dir.resolve("expected.json");
            ModelRun.Example ex = Files.isRegularFile(expected) ? ModelRun.readExample(expected) : ModelRun.generated(model);
            java.util.List<Tensor> in = ModelRun.inputs(ex);
            java.util.List<Tensor> y = new java.util.ArrayList<>();
            try {
                long start = System.nanoTime();
                y.addAll(model.predict(in)); // the outputs, reused below
                double firstUs = (System.nanoTime() - start) / 1e3;
                ModelRun.Result r = ModelRun.compare(ex, y);
                SteadyState t = SteadyState.measure(() -> model.predict(in, y));
                out.printf(Locale.ROOT, "batch %s -> %s: %.1f us per batch (median of %d single predictions into"
                                + " preallocated outputs, after %d warm-up calls)%n",
                        ex.inputShapes().stream().map(Shapes::format).toList(),
                        r.shapes().stream().map(Shapes::format).toList(), t.medianUs(), t.samples(), t.warmups());
                out.printf(Locale.ROOT, "first prediction: %.1f us (plans the model, creates the oneDNN primitives and"
                        + " reorders the weights)%n", firstUs);
                if (!ex.hasOutputs()) {
                    out.println("PASS " + name + " - (no expected output)");
                    return true;
                }
                if (r.failure() != null) {
                    out.println("FAIL " + name + " " + r.failure());
                    return false;
                }
                out.printf(Locale.ROOT, "PASS %s max abs difference from Keras %.3g (tolerance atol %.1g, rtol %.1g)%n",
                        name, r.maxErr(), ex.atol(), ex.rtol());
                return true;
            } finally {
                in.forEach(Tensor::close);
                y.forEach(Tensor::close);
            }
        } catch (IOException | RuntimeException e) {
            out.println("FAIL " + name + " " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return false;
        }
    }
}
