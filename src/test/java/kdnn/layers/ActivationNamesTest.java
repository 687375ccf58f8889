package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Every name Keras 3's keras.activations.get knows, and what kdnn does with each. */
class ActivationNamesTest {
    /** keras/src/activations/__init__.py of Keras 3.15: ALL_OBJECTS_DICT with its two aliases. */
    private static final List<String> KERAS_3 = List.of("relu", "leaky_relu", "relu6", "softmax", "celu", "elu", "selu",
            "softplus", "softsign", "squareplus", "soft_shrink", "sparse_plus", "silu", "gelu", "glu", "tanh",
            "tanh_shrink", "threshold", "sigmoid", "sparse_sigmoid", "exponential", "hard_sigmoid", "hard_silu",
            "hard_tanh", "hard_shrink", "linear", "mish", "log_softmax", "log_sigmoid", "sparsemax", "swish",
            "hard_swish");

    @Test
    void eachKeras3NameRunsOrIsRefusedWithItsReason() {
        for (String name : KERAS_3) {
            switch (name) {
                case "threshold" -> {
                    var e = assertThrows(IllegalArgumentException.class, () -> Activation.parse(name));
                    assertTrue(e.getMessage().contains("threshold and default_value"), e.getMessage());
                }
                case "glu" -> {
                    var e = assertThrows(IllegalArgumentException.class, () -> Activation.parse(name));
                    assertTrue(e.getMessage().contains("halves the last axis"), e.getMessage());
                }
                default -> assertEquals(name, Activation.parse(name).kerasName());
            }
        }
    }

    @Test
    void anUnknownNameIsRefusedInKerasWordsWithTheKnownOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Activation.parse("relu7"));
        assertTrue(e.getMessage().startsWith("Unknown activation function: 'relu7'. Expected one of [linear, relu"),
                e.getMessage());
        assertTrue(e.getMessage().contains("sparsemax"), e.getMessage());
        var layer = assertThrows(IllegalArgumentException.class, () -> Dense.builder(2).activation(Activation.parse("crelu")));
        assertTrue(layer.getMessage().contains("'crelu'"), layer.getMessage());
    }

    /** The Java forms on a buffer large enough for the OpenMP team: every value the reference's, NaN kept. */
    @Test
    void javaFormsOnLargeBuffersRunInPartsAndMatchTheReference() throws Exception {
        int n = 300_001; // past the team's threshold, and not a whole number of cache lines
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) Math.sin(i * 0.001) * 3;
        x[n / 2] = Float.NaN;
        x[n - 1] = Float.NEGATIVE_INFINITY;
        for (String name : List.of("tanh_shrink", "soft_shrink", "hard_shrink", "sparse_plus", "squareplus")) {
            var config = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    "{\"class_name\": \"Activation\", \"config\": {\"activation\": \"" + name + "\"}}");
            try (Layer l = Layers.fromConfig(config, KerasVersion.KERAS_3); kdnn.Tensor in = kdnn.Tensor.of(x, 1, n);
                 kdnn.Tensor out = l.call(in)) {
                float[] want = kdnn.reference.ReferenceActivation.apply(name, new kdnn.reference.RefArray(new int[] {1, n}, x))
                        .data();
                float[] got = out.toFloatArray();
                for (int i = 0; i < n; i++) {
                    if (Float.isNaN(want[i])) {
                        assertTrue(Float.isNaN(got[i]), name + " at " + i);
                    } else {
                        assertEquals(want[i], got[i], 1e-6f * (1 + Math.abs(want[i])), name + " at " + i);
                    }
                }
            }
        }
    }
}
