package kdnn.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.UnknownLayerException;

/**
 * Runs golden layer cases through kdnn: one line per case, then "N passed, M failed". Each layer
 * runs in {@link kdnn.layers.ExtremeValues#KERAS} mode, as the cases were computed.
 */
public final class GoldenRunner {
    /** The outcome of one case. */
    public record Result(String name, boolean passed, String detail) {
        public String line() {
            return (passed ? "PASS " : "FAIL ") + name + " " + detail;
        }
    }

    private GoldenRunner() {
    }

    /** Runs one case; never throws for a case's own failure. */
    public static Result run(GoldenCase c) {
        java.util.List<Tensor> inputs = new java.util.ArrayList<>();
        try (Layer layer = c.newLayer()) {
            // the golden cases were computed eagerly, where NaN propagates through activations
            layer.setExtremes(kdnn.layers.ExtremeValues.KERAS);
            for (int i = 0; i < c.inputs().size(); i++) inputs.add(Tensor.of(c.inputs().get(i), c.inputShapes().get(i)));
            try (Tensor out = c.multiInput() ? layer.call(inputs) : layer.call(inputs.get(0))) {
                if (c.expectError()) {
                    return new Result(c.name(), false, "expected an error (" + c.why() + ") but got output of shape "
                            + Arrays.toString(out.shape()));
                }
                return compare(c, out);
            }
        } catch (UnknownLayerException e) {
            // a refusal is what an error case asks for, whichever check refuses first
            return c.expectError() ? new Result(c.name(), true, "refused: layer class " + e.className() + " is not implemented")
                    : new Result(c.name(), false, "layer class " + e.className() + " is not implemented");
        } catch (RuntimeException e) {
            if (c.expectError()) {
                return new Result(c.name(), true, "refused: " + e.getMessage());
            }
            return new Result(c.name(), false, e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            inputs.forEach(Tensor::close);
        }
    }

    private static Result compare(GoldenCase c, Tensor out) {
        if (!Arrays.equals(out.shape(), c.outputShape())) {
            return new Result(c.name(), false, "output shape " + Arrays.toString(out.shape()) + ", expected "
                    + Arrays.toString(c.outputShape()));
        }
        float[] got = out.toFloatArray();
        double maxErr = 0;
        for (int i = 0; i < got.length; i++) {
            double want = c.output()[i];
            double err = Math.abs(got[i] - want);
            if (!c.within(got[i], want)) {
                return new Result(c.name(), false, "value " + i + " is " + got[i] + ", expected " + want
                        + " (tolerance " + c.atol() + " + " + c.rtol() + "*|expected|)");
            }
            if (!Double.isNaN(err)) maxErr = Math.max(maxErr, err);
        }
        return new Result(c.name(), true, String.format("%.3g", maxErr));
    }

    /** Runs every case of the folders; returns the number that failed. */
    public static int runAll(PrintStream out, Path... dirs) throws java.io.IOException {
        int passed = 0;
        int failed = 0;
        for (Path dir : dirs) {
            for (Path f : GoldenCase.files(dir)) {
                Result r;
                try {
                    r = run(GoldenCase.read(f));
                } catch (java.io.IOException | RuntimeException e) {
                    r = new Result(f.getFileName().toString(), false, "unreadable case: " + e.getMessage());
                }
                out.println(r.line());
                if (r.passed()) passed++; else failed++;
            }
        }
        out.println(passed + " passed, " + failed + " failed");
        return failed;
    }
}
