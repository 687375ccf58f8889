package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * SpectralNormalization at inference is its layer on the kernel it holds: bitwise the layer's
 * output, the weights the layer's then a non-trainable {@code vector_u (1, kernel's last axis)};
 * what Keras refuses, and an Embedding (whose output Keras casts to its indices' dtype), refused.
 */
class SpectralNormalizationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(config.replace('\'', '"')));
    }

    @Test
    void itIsItsLayer() throws Exception {
        String conv = "{'class_name': 'Conv2D', 'config': {'name': 'c', 'filters': 3, 'kernel_size': 3, 'padding': 'same',"
                + " 'activation': 'relu'}}";
        try (Layer sn = layer("{'class_name': 'SpectralNormalization', 'config': {'name': 'sn', 'layer': " + conv
                + ", 'power_iterations': 2}}"); Layer plain = layer(conv)) {
            sn.build(-1, 5, 5, 2);
            plain.build(-1, 5, 5, 2);
            List<Weight> ws = RecurrentTest.randomWeights(sn, new Random(1), 0.5);
            assertEquals(List.of("kernel", "bias", "vector_u"), ws.stream().map(Weight::name).toList());
            assertArrayEquals(new int[] {1, 3}, ws.get(2).shape());
            assertTrue(sn.isTrainableWeight(0) && sn.isTrainableWeight(1));
            assertFalse(sn.isTrainableWeight(2));
            plain.setWeights(ws.subList(0, 2));
            float[] x = new float[50];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
            try (Tensor in = Tensor.of(x, 1, 5, 5, 2); Tensor a = sn.call(in); Tensor b = plain.call(in)) {
                assertArrayEquals(b.toFloatArray(), a.toFloatArray(), 0f);
            }
            try (Layer back = Layers.fromConfig(Layers.toConfig(sn))) {
                assertEquals(Layers.toConfig(sn), Layers.toConfig(back));
            }
        }
    }

    @Test
    void refusedAsKerasRefuses() throws Exception {
        String[][] cases = {
            {"{'class_name': 'SpectralNormalization', 'config': {'layer': {'class_name': 'Dense', 'config': {'units': 2}},"
                + " 'power_iterations': 0}}", "power_iterations"},
            {"{'class_name': 'SpectralNormalization', 'config': {'layer': {'class_name': 'Embedding', 'config':"
                + " {'input_dim': 4, 'output_dim': 2}}}}", "Embedding"},
            {"{'class_name': 'SpectralNormalization', 'config': {}}", "`layer`"}};
        for (String[] c : cases) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0]).close(), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        try (Layer l = layer("{'class_name': 'SpectralNormalization', 'config': {'layer': {'class_name': 'MaxPooling2D',"
                + " 'config': {}}}}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.build(-1, 4, 4, 2));
            assertTrue(e.getMessage().contains("'kernel' nor 'embeddings'"), e.getMessage());
        }
    }
}
