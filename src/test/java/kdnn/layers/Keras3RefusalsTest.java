package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * Arguments that Keras 3 refuses and tf.keras takes: refused where a Keras 3 file gives them,
 * read where a Keras 2 file does (each computes what tf.keras computes with it).
 */
class Keras3RefusalsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void refusedOnlyUnderKeras3(String layer, String message) throws Exception {
        var config = JSON.readTree(layer.replace('\'', '"'));
        Layers.fromConfig(config, KerasVersion.KERAS_2).close();
        var e = assertThrows(IllegalArgumentException.class, () -> Layers.fromConfig(config, KerasVersion.KERAS_3));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void negativeFactorsAndSlopes() throws Exception {
        refusedOnlyUnderKeras3("{'class_name': 'LeakyReLU', 'config': {'negative_slope': -0.3}}",
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a float."
                        + " Received: negative_slope=-0.3");
        refusedOnlyUnderKeras3("{'class_name': 'ActivityRegularization', 'config': {'l1': -1.0}}",
                "Invalid value for argument l1: expected a non-negative float. Received: l1=-1.0");
        refusedOnlyUnderKeras3("{'class_name': 'Dense', 'config': {'units': 2, 'kernel_regularizer': {'class_name': 'L2',"
                + " 'config': {'l2': -0.01}}}}", "Invalid value for argument l2: expected a non-negative float");
        refusedOnlyUnderKeras3("{'class_name': 'Conv2D', 'config': {'filters': 2, 'kernel_size': 3, 'activity_regularizer':"
                + " {'class_name': 'L1L2', 'config': {'l1': 0.0, 'l2': -1.0}}}}", "Received: l2=-1.0");
        refusedOnlyUnderKeras3("{'class_name': 'Embedding', 'config': {'input_dim': 5, 'output_dim': 2,"
                + " 'embeddings_regularizer': {'class_name': 'L1', 'config': {'l1': -2.0}}}}", "Received: l1=-2.0");
    }
}
