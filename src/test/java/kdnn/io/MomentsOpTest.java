package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * {@code tf.nn.moments} (tf.keras' TFOpLambda) and Keras 3's {@code ops.moments}: two outputs, the mean
 * and the variance (the mean of squared deviations), used as AdaIN and instance normalization written
 * out by hand use them: {@code (x - mean) / sqrt(var + eps)}; against that formula in double, through
 * both formats; {@code synchronized=True} refused.
 */
class MomentsOpTest {
    private static final float[] X = new float[2 * 3 * 4 * 2];

    static {
        for (int i = 0; i < X.length; i++) X[i] = (float) (Math.cos(i * 1.3) * 3 + (i % 2) * 50);
    }

    private static float[] instanceNormalized() {
        float[] want = new float[X.length];
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 2; c++) {
                double sum = 0;
                for (int p = 0; p < 12; p++) sum += X[(n * 12 + p) * 2 + c];
                double mean = sum / 12;
                double dev = 0;
                for (int p = 0; p < 12; p++) dev += Math.pow(X[(n * 12 + p) * 2 + c] - mean, 2);
                for (int p = 0; p < 12; p++) {
                    want[(n * 12 + p) * 2 + c] = (float) ((X[(n * 12 + p) * 2 + c] - mean) / Math.sqrt(dev / 12 + 1e-3));
                }
            }
        }
        return want;
    }

    private static void check(Path dir, String config) throws Exception {
        try (Model m = Models.load(Files.writeString(dir.resolve("m.json"), config)); Tensor in = Tensor.of(X, 2, 3, 4, 2);
             Tensor y = m.predict(in)) {
            assertArrayEquals(instanceNormalized(), y.toFloatArray(), 3e-5f);
            RoundTrips.predictSame(m, dir, List.of(in), List.of("m.keras", "m.h5"));
        }
    }

    @Test
    void tfKerasMomentsNormalizeEachInstance(@TempDir Path dir) throws Exception {
        String config = TfKerasOps.model(TfKerasOps.input("[null, 3, 4, 2]") + ", "
                + TfKerasOps.lambda("moments", "nn.moments", "x", "{'axes': [1, 2], 'keepdims': true, 'name': null}") + ", "
                + "{'class_name': 'Subtract', 'config': {'name': 'centred'}, 'name': 'centred', 'inbound_nodes':"
                + " [[['x', 0, 0, {}], ['moments', 0, 0, {}]]]}, "
                + "{'class_name': 'TFOpLambda', 'config': {'name': 'shifted', 'trainable': true, 'dtype': 'float32',"
                + " 'function': '__operators__.add'}, 'name': 'shifted', 'inbound_nodes': [['moments', 0, 1,"
                + " {'y': 0.001, 'name': null}]]}, "
                + TfKerasOps.lambda("root", "math.sqrt", "shifted", "{'name': null}") + ", "
                + "{'class_name': 'TFOpLambda', 'config': {'name': 'out', 'trainable': true, 'dtype': 'float32',"
                + " 'function': 'math.truediv'}, 'name': 'out', 'inbound_nodes': [['centred', 0, 0,"
                + " {'y': ['root', 0, 0], 'name': null}]]}", "out");
        check(dir, config);
    }

    @Test
    void keras3MomentsNormalizeEachInstance(@TempDir Path dir) throws Exception {
        String x = Keras3Ops.tensor("x");
        String mean = "{'class_name': '__keras_tensor__', 'config': {'shape': [null, 1, 1, 2], 'dtype': 'float32',"
                + " 'keras_history': ['moments', 0, 0]}}";
        String variance = mean.replace("['moments', 0, 0]", "['moments', 0, 1]");
        String config = Keras3Ops.model("[null, 3, 4, 2]", "out", List.of(
                new Keras3Ops.Op("moments", "nn", "Moments", "{'name': 'moments', 'axes': [1, 2], 'keepdims': true,"
                        + " 'synchronized': false}", x),
                Keras3Ops.Op.of("centred", "numpy", "Subtract", x + ", " + mean),
                Keras3Ops.Op.of("shifted", "numpy", "Add", variance + ", 0.001"),
                Keras3Ops.Op.of("root", "numpy", "Sqrt", Keras3Ops.tensor("shifted")),
                Keras3Ops.Op.of("out", "numpy", "TrueDivide", Keras3Ops.tensor("centred") + ", " + Keras3Ops.tensor("root"))));
        check(dir, config);
        String sync = Keras3Ops.model("[null, 3, 4, 2]", "moments", List.of(new Keras3Ops.Op("moments", "nn", "Moments",
                "{'name': 'moments', 'axes': [1, 2], 'keepdims': true, 'synchronized': true}", x)));
        var e = assertThrows(IllegalArgumentException.class, () -> Models.load(Files.writeString(dir.resolve("s.json"), sync)).close());
        assertTrue(e.getMessage().contains("synchronized=True"), e.getMessage());
    }
}
