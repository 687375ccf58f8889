package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The maximum and minimum of a tensor and a number: Keras 3's {@code ops.maximum(x, 0.5)} (its
 * Maximum operation called with a constant, which as a merge of two tensors is Keras' layer) and
 * tf.keras' {@code tf.math.maximum(x, 0.5)} / {@code tf.math.minimum(2.0, x)} (the constant first
 * too); each written back in the form it came in, and to the other format.
 */
class ConstantExtremaFilesTest {
    private static final float[] X = {-2f, 0.25f, 0.75f, 3f, Float.NaN, -0.5f};

    private static void check(Model m, float[] want, Path dir) throws Exception {
        try (Tensor in = Tensor.of(X, 1, 2, 3); Tensor y = m.predict(in)) {
            assertArrayEquals(want, y.toFloatArray(), 0f);
            RoundTrips.predictSame(m, dir, List.of(in), List.of("m.keras", "m.h5"));
        }
    }

    @Test
    void keras3OperationsWithAConstant(@TempDir Path dir) throws Exception {
        Path p = Files.writeString(dir.resolve("k3.json"), Keras3Ops.model("[null, 2, 3]", "low", List.of(
                Keras3Ops.Op.of("high", "numpy", "Maximum", Keras3Ops.tensor("x") + ", 0.5"),
                Keras3Ops.Op.of("low", "numpy", "Minimum", Keras3Ops.tensor("high") + ", 2.0"))));
        try (Model m = Models.load(p)) {
            check(m, new float[] {0.5f, 0.5f, 0.75f, 2f, Float.NaN, 0.5f}, dir);
            String written = new String(Files.readAllBytes(dir.resolve("m.keras")), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(written.contains("\"Maximum\""), "written as Keras 3's Maximum operation");
        }
    }

    @Test
    void tfKerasFunctionsWithAConstantEitherWayRound(@TempDir Path dir) throws Exception {
        String config = TfKerasOps.model(TfKerasOps.input("[null, 2, 3]") + ", "
                + TfKerasOps.lambda("high", "math.maximum", "x", "{'y': 0.5, 'name': null}") + ", "
                + "{'class_name': 'TFOpLambda', 'config': {'name': 'low', 'trainable': true, 'dtype': 'float32',"
                + " 'function': 'math.minimum'}, 'name': 'low', 'inbound_nodes': [['_CONSTANT_VALUE', -1, 0.0,"
                + " {'y': ['high', 0, 0], 'name': null}]]}", "low");
        Path p = Files.writeString(dir.resolve("tf.json"), config);
        try (Model m = Models.load(p)) {
            check(m, new float[] {0f, 0f, 0f, 0f, Float.NaN, 0f}, dir);
            String written = new String(Files.readAllBytes(dir.resolve("m.h5")), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(written.contains("math.minimum"), "written as tf.keras' TFOpLambda");
        }
    }
}
