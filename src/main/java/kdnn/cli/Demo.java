package kdnn.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import kdnn.Tensor;
import kdnn.layers.Shapes;
import kdnn.model.ModelFiles;
import kdnn.model.ModelFolders;
import kdnn.model.Model;

/**
 * {@code kdnn demo}, the main job: runs the Keras models of ../shared/models (and the copies
 * bundled with kdnn, so it works from a plain checkout) and prints for each its summary, the
 * time per batch and the agreement with Keras' output.
 */
final class Demo {
    private static final int RUNS = 50;

    private Demo() {
    }

    static int run(PrintStream out) throws IOException {
        Map<String, Path> models = ModelFolders.find();
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
            out.print(model.plan());
            Path expected = dir.resolve("expected.json");
            ModelRun.Example ex = Files.isRegularFile(expected) ? ModelRun.readExample(expected) : ModelRun.generated(model);
            ModelRun.Result r = ModelRun.run(model, ex);
            double[] times = time(model, ex);
            out.printf("batch %s -> %s: median %.1f us per batch, first call %.1f us (%d runs)%n",
                    ex.inputShapes().stream().map(Shapes::format).toList(), r.shapes().stream().map(Shapes::format).toList(),
                    times[0], times[1], RUNS);
            if (!ex.hasOutputs()) {
                out.println("PASS " + name + " - (no expected output)");
                return true;
            }
            if (r.failure() != null) {
                out.println("FAIL " + name + " " + r.failure());
                return false;
            }
            out.printf("PASS %s max abs difference from Keras %.3g (tolerance atol %.1g, rtol %.1g)%n", name, r.maxErr(),
                    ex.atol(), ex.rtol());
            return true;
        } catch (IOException | RuntimeException e) {
            out.println("FAIL " + name + " " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return false;
        }
    }

    /** Median and first-call time of predict, in microseconds. */
    private static double[] time(Model model, ModelRun.Example ex) {
        java.util.List<Tensor> in = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < ex.inputs().size(); i++) in.add(Tensor.of(ex.inputs().get(i), ex.inputShapes().get(i)));
            double[] t = new double[RUNS];
            for (int i = 0; i < RUNS; i++) {
                long start = System.nanoTime();
                model.predict(in).forEach(Tensor::close);
                t[i] = (System.nanoTime() - start) / 1e3;
            }
            double first = t[0];
            Arrays.sort(t);
            return new double[] {t[RUNS / 2], first};
        } finally {
            in.forEach(Tensor::close);
        }
    }
}
