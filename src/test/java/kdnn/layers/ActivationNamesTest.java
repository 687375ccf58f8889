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
}
