package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.io.Models;
import kdnn.layers.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models whose inputs leave lengths open ({@code (None, None, None, 3)} images, {@code (None,
 * None)} token ids), as Keras builds them for any size: the unknown lengths run through the layers
 * as None, and each prediction computes bitwise what the same model built for that size computes.
 * A size the layers cannot take is refused at the call, naming the layer.
 */
class AnyInputSizeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A small fully convolutional network with a skip: strided conv, BN, pooling, transposed conv, concat, GAP. */
    private static String fcn(String inputShape) {
        return ("""
            {'class_name': 'Functional', 'config': {'name': 'fcn', 'layers': [
             {'class_name': 'InputLayer', 'config': {'batch_input_shape': %s, 'dtype': 'float32', 'name': 'image'},
              'name': 'image', 'inbound_nodes': []},
             {'class_name': 'Conv2D', 'config': {'name': 'down', 'filters': 6, 'kernel_size': [3, 3], 'strides': [2, 2],
              'padding': 'same', 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 1}},
              'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': 2}}},
              'name': 'down', 'inbound_nodes': [[['image', 0, 0, {}]]]},
             {'class_name': 'BatchNormalization', 'config': {'name': 'bn', 'moving_variance_initializer': {'class_name':
              'RandomUniform', 'config': {'minval': 0.5, 'maxval': 2.0, 'seed': 3}}, 'moving_mean_initializer':
              {'class_name': 'RandomNormal', 'config': {'seed': 4}}},
              'name': 'bn', 'inbound_nodes': [[['down', 0, 0, {}]]]},
             {'class_name': 'ReLU', 'config': {'name': 'relu'}, 'name': 'relu', 'inbound_nodes': [[['bn', 0, 0, {}]]]},
             {'class_name': 'MaxPooling2D', 'config': {'name': 'pool', 'pool_size': [2, 2], 'padding': 'valid'},
              'name': 'pool', 'inbound_nodes': [[['relu', 0, 0, {}]]]},
             {'class_name': 'Conv2DTranspose', 'config': {'name': 'up', 'filters': 4, 'kernel_size': [2, 2],
              'strides': [2, 2], 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 5}}},
              'name': 'up', 'inbound_nodes': [[['pool', 0, 0, {}]]]},
             {'class_name': 'Cropping2D', 'config': {'name': 'crop', 'cropping': [[0, 0], [0, 0]]},
              'name': 'crop', 'inbound_nodes': [[['relu', 0, 0, {}]]]},
             {'class_name': 'Concatenate', 'config': {'name': 'join', 'axis': -1},
              'name': 'join', 'inbound_nodes': [[['up', 0, 0, {}], ['crop', 0, 0, {}]]]},
             {'class_name': 'Conv2D', 'config': {'name': 'head', 'filters': 3, 'kernel_size': [1, 1],
              'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 6}}},
              'name': 'head', 'inbound_nodes': [[['join', 0, 0, {}]]]},
             {'class_name': 'GlobalAveragePooling2D', 'config': {'name': 'gap'},
              'name': 'gap', 'inbound_nodes': [[['head', 0, 0, {}]]]}],
             'input_layers': [['image', 0, 0]], 'output_layers': [['head', 0, 0], ['gap', 0, 0]]}}
            """).formatted(inputShape).replace('\'', '"');
    }

    private static Model build(String config) throws Exception {
        return ModelConfigs.build(JSON.readTree(config), (path, layer, expected) -> layer.getWeights());
    }

    private static void copyWeights(Model from, Model to) {
        for (Layer l : from.allLayers()) to.layer(l.name()).setWeights(l.getWeights());
    }

    private static float[] image(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) Math.sin(i * 0.31) * 2;
        return x;
    }

    @Test
    void eachSizePredictsAsTheModelBuiltForIt(@TempDir Path dir) throws Exception {
        try (Model any = build(fcn("[null, null, null, 3]"))) {
            assertArrayEquals(new long[] {-1, -1, -1, 3}, any.inputShape());
            assertArrayEquals(new long[] {-1, -1, -1, 3}, any.outputShapes().get(0));
            assertArrayEquals(new long[] {-1, 3}, any.outputShapes().get(1));
            assertTrue(any.summary().contains("(None, None, None,"), any.summary());
            for (int[] hw : new int[][] {{8, 12}, {16, 16}, {12, 4}}) {
                int h = hw[0];
                int w = hw[1];
                try (Model fixed = build(fcn("[null, " + h + ", " + w + ", 3]")); Tensor in = Tensor.of(image(2 * h * w * 3),
                        2, h, w, 3)) {
                    copyWeights(any, fixed);
                    List<Tensor> got = any.predict(List.of(in));
                    List<Tensor> want = fixed.predict(List.of(in));
                    try {
                        assertArrayEquals(new long[] {2, h / 2, w / 2, 3}, got.get(0).shape(), h + "x" + w);
                        for (int k = 0; k < 2; k++) {
                            assertArrayEquals(want.get(k).toFloatArray(), got.get(k).toFloatArray(), 0f, h + "x" + w);
                        }
                    } finally {
                        for (Tensor t : got) t.close();
                        for (Tensor t : want) t.close();
                    }
                }
            }
            // the plan is made per size: shown for a size given, refused without one
            assertTrue(any.plan(new long[] {1, 8, 8, 3}).contains("down"), any.plan(new long[] {1, 8, 8, 3}));
            var noShape = assertThrows(IllegalArgumentException.class, any::plan);
            assertTrue(noShape.getMessage().contains("leaves input lengths open"), noShape.getMessage());
            assertTrue(any.hasOpenInputLengths());
            // every format keeps the open lengths; `kdnn summary` says the plan is per size
            Models.save(any, dir.resolve("cli.h5"));
            var out = new java.io.ByteArrayOutputStream();
            var err = new java.io.ByteArrayOutputStream();
            int rc = kdnn.cli.Main.run(new String[] {"summary", dir.resolve("cli.h5").toString()},
                    new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
            assertEquals(0, rc, err.toString());
            assertTrue(out.toString().contains("plan: made for each input size"), out.toString());
            float[] x = image(2 * 8 * 8 * 3);
            try (Tensor in = Tensor.of(x, 2, 8, 8, 3)) {
                List<Tensor> want = any.predict(List.of(in));
                try {
                    for (String file : List.of("m.h5", "m.keras", "tfjs")) {
                        Models.save(any, dir.resolve(file));
                        try (Model back = Models.load(dir.resolve(file))) {
                            assertArrayEquals(new long[] {-1, -1, -1, 3}, back.inputShape(), file);
                            List<Tensor> got = back.predict(List.of(in));
                            try {
                                assertArrayEquals(want.get(0).toFloatArray(), got.get(0).toFloatArray(), 0f, file);
                            } finally {
                                for (Tensor t : got) t.close();
                            }
                        }
                    }
                } finally {
                    for (Tensor t : want) t.close();
                }
            }
        }
    }

    @Test
    void aSizeTheLayersCannotTakeIsRefusedAtTheCall() throws Exception {
        try (Model any = build(fcn("[null, null, null, 3]"))) {
            // 6x6: the pooled 1x1 map comes back 2x2 against the skip's 3x3, which Concatenate refuses
            try (Tensor in = Tensor.of(image(6 * 6 * 3), 1, 6, 6, 3)) {
                var e = assertThrows(IllegalArgumentException.class, () -> any.predict(List.of(in)).forEach(Tensor::close));
                assertTrue(e.getMessage().contains("join"), e.getMessage());
            }
            // 2x2: the valid pooling has no whole window
            try (Tensor in = Tensor.of(image(2 * 2 * 3), 1, 2, 2, 3)) {
                var e = assertThrows(IllegalArgumentException.class, () -> any.predict(List.of(in)).forEach(Tensor::close));
                assertTrue(e.getMessage().contains("pool"), e.getMessage());
            }
            // the model stays usable
            try (Tensor in = Tensor.of(image(4 * 4 * 3), 1, 4, 4, 3)) {
                any.predict(List.of(in)).forEach(Tensor::close);
            }
        }
    }

    @Test
    void aTextCnnOfAnyLength() throws Exception {
        String config = ("""
            {'class_name': 'Sequential', 'config': {'name': 'text', 'layers': [
             {'class_name': 'Embedding', 'config': {'name': 'emb', 'input_dim': 50, 'output_dim': 8,
              'batch_input_shape': [null, null], 'embeddings_initializer': {'class_name': 'RandomUniform',
              'config': {'seed': 1}}}},
             {'class_name': 'Conv1D', 'config': {'name': 'conv', 'filters': 5, 'kernel_size': 3, 'activation': 'relu',
              'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 2}}}},
             {'class_name': 'GlobalMaxPooling1D', 'config': {'name': 'pool'}},
             {'class_name': 'Dense', 'config': {'name': 'out', 'units': 2,
              'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 3}}}}]}}
            """).replace('\'', '"');
        try (Model any = build(config)) {
            assertArrayEquals(new long[] {-1, -1}, any.inputShape());
            for (int length : new int[] {3, 7, 20}) {
                float[] ids = new float[2 * length];
                for (int i = 0; i < ids.length; i++) ids[i] = (i * 7) % 50;
                try (Model fixed = build(config.replace("[null, null]", "[null, " + length + "]"));
                     Tensor in = Tensor.of(ids, 2, length); Tensor got = any.predict(in)) {
                    copyWeights(any, fixed);
                    try (Tensor want = fixed.predict(in)) {
                        assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 0f, "length " + length);
                    }
                }
            }
            try (Tensor in = Tensor.of(new float[4], 2, 2)) {
                var e = assertThrows(IllegalArgumentException.class, () -> any.predict(in).close());
                assertTrue(e.getMessage().contains("conv"), e.getMessage());
            }
        }
    }
}
