package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tf.math.sqrt, square, abs, log, rsqrt and reciprocal (tf.keras' TFOpLambda) and Keras 3's
 * Sqrt, Square, Absolute, Log, Rsqrt and Reciprocal operations: a chain of all six predicts the
 * functions applied in Java, and is written back in the form it came in (.h5 and .keras); TF.js,
 * whose Keras has none of them, is refused.
 */
class MathFunctionFilesTest {
    private static final String[] TF = {"math.square", "math.sqrt", "math.abs", "math.log", "math.rsqrt", "math.reciprocal"};
    private static final String[][] KERAS3 = {{"Square", "numpy"}, {"Sqrt", "numpy"}, {"Absolute", "numpy"}, {"Log", "numpy"},
        {"Rsqrt", "math"}, {"Reciprocal", "numpy"}};

    /** square, sqrt, abs, log, rsqrt, reciprocal in turn, as Java computes each in float32. */
    private static float chain(float x) {
        float y = x * x;
        y = (float) Math.sqrt(y);
        y = Math.abs(y);
        y = (float) Math.log(y);
        y = (float) (1 / Math.sqrt(y));
        return 1f / y;
    }

    private static float[] input() {
        float[] x = new float[2 * 3 * 4];
        for (int i = 0; i < x.length; i++) x[i] = (float) (Math.sin(i * 0.9) * 40);
        x[5] = 0;
        x[6] = -1;
        return x;
    }

    private static void predictsTheChain(Model m, Path dir) throws Exception {
        float[] x = input();
        try (Tensor in = Tensor.of(x, 2, 3, 4); Tensor y = m.predict(in)) {
            float[] got = y.toFloatArray();
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToIntBits(chain(x[i])), Float.floatToIntBits(got[i]), "value " + i + " of " + x[i]);
            }
            for (String file : List.of("m.h5", "m.keras")) {
                Models.save(m, dir.resolve(file));
                try (Model back = Models.load(dir.resolve(file)); Tensor again = back.predict(in)) {
                    assertArrayEquals(got, again.toFloatArray(), 0f, file);
                    assertEquals(m.summary(), back.summary(), file);
                }
            }
            var tfjs = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("tfjs")));
            assertTrue(tfjs.getMessage().contains("has no TF.js form"), tfjs.getMessage());
        }
    }

    @Test
    void tfKerasLambdas(@TempDir Path dir) throws Exception {
        StringBuilder layers = new StringBuilder(TfKerasOps.input("[null, 3, 4]"));
        String from = "x";
        for (int i = 0; i < TF.length; i++) {
            String name = i == TF.length - 1 ? "out" : "f" + i;
            layers.append(", ").append(TfKerasOps.lambda(name, TF[i], from, "{'name': null}"));
            from = name;
        }
        Path p = Files.writeString(dir.resolve("tf.json"), TfKerasOps.model(layers.toString(), "out"));
        try (Model m = Models.load(p)) {
            assertEquals("Reciprocal", m.layer("out").className());
            predictsTheChain(m, dir);
        }
    }

    @Test
    void keras3Operations(@TempDir Path dir) throws Exception {
        List<Keras3Ops.Op> ops = new java.util.ArrayList<>();
        String from = "x";
        for (int i = 0; i < KERAS3.length; i++) {
            String name = i == KERAS3.length - 1 ? "out" : "f" + i;
            ops.add(Keras3Ops.Op.of(name, KERAS3[i][1], KERAS3[i][0], Keras3Ops.tensor(from)));
            from = name;
        }
        Path p = Files.writeString(dir.resolve("k3.json"), Keras3Ops.model("[null, 3, 4]", "out", ops));
        try (Model m = Models.load(p)) {
            assertEquals("Rsqrt", m.layer("f4").className());
            predictsTheChain(m, dir);
        }
    }

    /**
     * A hand-written sigmoid, {@code 1.0 / (1.0 + exp(-x))}, as tf.keras (constants first in the
     * TFOpLambdas) and Keras 3 (its Negative, Exp, Add and TrueDivide operations) save it: the
     * logistic function to rounding, each form written back as it came.
     */
    @Test
    void aHandWrittenSigmoid(@TempDir Path dir) throws Exception {
        String tf = TfKerasOps.model(TfKerasOps.input("[null, 3, 4]") + ", "
                + TfKerasOps.lambda("neg", "math.negative", "x", "{'name': null}") + ", "
                + TfKerasOps.lambda("exp", "math.exp", "neg", "{'name': null}") + ", "
                + "{'class_name': 'TFOpLambda', 'config': {'name': 'plus', 'trainable': true, 'dtype': 'float32', 'function':"
                + " '__operators__.add'}, 'name': 'plus', 'inbound_nodes': [['_CONSTANT_VALUE', -1, 1.0, {'y': ['exp', 0, 0],"
                + " 'name': null}]]}, "
                + "{'class_name': 'TFOpLambda', 'config': {'name': 'out', 'trainable': true, 'dtype': 'float32', 'function':"
                + " 'math.truediv'}, 'name': 'out', 'inbound_nodes': [['_CONSTANT_VALUE', -1, 1.0, {'y': ['plus', 0, 0],"
                + " 'name': null}]]}", "out");
        String keras3 = Keras3Ops.model("[null, 3, 4]", "out", List.of(
                Keras3Ops.Op.of("neg", "numpy", "Negative", Keras3Ops.tensor("x")),
                Keras3Ops.Op.of("exp", "numpy", "Exp", Keras3Ops.tensor("neg")),
                Keras3Ops.Op.of("plus", "numpy", "Add", "1.0, " + Keras3Ops.tensor("exp")),
                Keras3Ops.Op.of("out", "numpy", "TrueDivide", "1.0, " + Keras3Ops.tensor("plus"))));
        float[] x = input();
        for (String config : new String[] {tf, keras3}) {
            Path p = Files.writeString(dir.resolve("sigmoid.json"), config);
            try (Model m = Models.load(p); Tensor in = Tensor.of(x, 2, 3, 4); Tensor y = m.predict(in)) {
                float[] got = y.toFloatArray();
                for (int i = 0; i < x.length; i++) {
                    assertEquals(1 / (1 + Math.exp(-x[i])), got[i], 1e-6, "value " + i + " of " + x[i]);
                }
                for (String file : List.of("m.h5", "m.keras")) {
                    Models.save(m, dir.resolve(file));
                    try (Model back = Models.load(dir.resolve(file)); Tensor again = back.predict(in)) {
                        assertArrayEquals(got, again.toFloatArray(), 0f, file);
                    }
                }
            }
        }
    }
}
