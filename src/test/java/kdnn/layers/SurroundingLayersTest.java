package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import kdnn.TestData;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * What the golden cases do not show about BatchNormalization, Dense and pooling: the kernels
 * oneDNN picks, TensorFlow's NaN in max pooling, parameter counts, the planner's folding hooks,
 * and refusals at call.
 */
class SurroundingLayersTest {
    // these tests expect NaN to propagate as in Keras' eager calls: the non-default mode
    private static ExtremeValues modeBefore;

    @org.junit.jupiter.api.BeforeAll
    static void kerasExtremes() {
        modeBefore = ExtremeValues.processMode();
        ExtremeValues.setMode(ExtremeValues.KERAS);
    }

    @org.junit.jupiter.api.AfterAll
    static void restoreExtremes() {
        ExtremeValues.setMode(modeBefore);
    }


    @Test
    void everyLayerRunsOnOptimizedKernelsInBothFormats() {
        for (DataFormat f : DataFormat.values()) {
            boolean cf = f == DataFormat.CHANNELS_FIRST;
            long[] s1 = cf ? new long[] {1, 16, 50} : new long[] {1, 50, 16};
            long[] s2 = cf ? new long[] {1, 16, 20, 20} : new long[] {1, 20, 20, 16};
            long[] s3 = cf ? new long[] {1, 8, 6, 10, 10} : new long[] {1, 6, 10, 10, 8};
            List<Layer> layers = List.of(
                    MaxPooling1D.builder().poolSize(3).strides(2).padding(Padding.SAME).dataFormat(f).build(),
                    MaxPooling2D.builder().poolSize(3).strides(2).padding(Padding.SAME).dataFormat(f).build(),
                    MaxPooling3D.builder().dataFormat(f).build(),
                    AveragePooling1D.builder().dataFormat(f).build(),
                    AveragePooling2D.builder().poolSize(3).strides(1).padding(Padding.SAME).dataFormat(f).build(),
                    AveragePooling3D.builder().padding(Padding.SAME).dataFormat(f).build(),
                    GlobalMaxPooling1D.builder().dataFormat(f).build(),
                    GlobalMaxPooling2D.builder().dataFormat(f).keepdims(true).build(),
                    GlobalMaxPooling3D.builder().dataFormat(f).build(),
                    GlobalAveragePooling1D.builder().dataFormat(f).build(),
                    GlobalAveragePooling2D.builder().dataFormat(f).build(),
                    GlobalAveragePooling3D.builder().dataFormat(f).keepdims(true).build(),
                    BatchNormalization.builder().axis(cf ? 1 : -1).build(),
                    BatchNormalization.builder().axis(cf ? 1 : -1).build(),
                    BatchNormalization.builder().axis(cf ? 1 : -1).center(false).build(),
                    Dense.builder(64).activation(Activation.RELU).build(),
                    Dense.builder(10).activation(Activation.SOFTMAX).build());
            List<long[]> shapes = List.of(s1, s2, s3, s1, s2, s3, s1, s2, s3, s1, s2, s3, s2, s3, s1,
                    new long[] {8, 256}, new long[] {2, 7, 128});
            for (int i = 0; i < layers.size(); i++) {
                try (Layer l = layers.get(i)) {
                    List<String> impls = l.implementations(shapes.get(i));
                    for (String impl : impls) {
                        assertFalse(impl.contains(":ref") || impl.contains("ref:") || impl.contains("simple"),
                                l + " " + f + " runs a reference kernel: " + impls);
                    }
                    assertTrue(impls.stream().anyMatch(s -> s.startsWith("pooling") || s.startsWith("batch_normalization")
                            || s.startsWith("inner_product") || s.startsWith("matmul")), impls.toString());
                }
            }
        }
    }

    @Test
    void maxPoolingOfAWindowHoldingNaNIsNaNAsInTensorFlow() {
        float nan = Float.NaN;
        float inf = Float.POSITIVE_INFINITY;
        // one channel 4x4, 2x2 windows: NaN beside a larger value, NaN beside +Inf, only -Inf, finite
        float[] x = {nan, 5, inf, 1, 2, 3, nan, 0, -inf, -inf, 1, 2, -inf, -inf, 3, 4};
        for (DataFormat f : DataFormat.values()) {
            long[] shape = f == DataFormat.CHANNELS_FIRST ? new long[] {1, 1, 4, 4} : new long[] {1, 4, 4, 1};
            try (Layer l = MaxPooling2D.builder().dataFormat(f).build(); Tensor in = Tensor.of(x, shape);
                 Tensor out = l.call(in)) {
                float[] y = out.toFloatArray();
                assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[1]), f + ": " + java.util.Arrays.toString(y));
                assertEquals(Float.NEGATIVE_INFINITY, y[2], f.toString());
                assertEquals(4f, y[3], f.toString());
            }
        }
        float[] seq = {1, nan, 3, 2, 2, 2};
        try (Layer l = GlobalMaxPooling1D.builder().build(); Tensor in = Tensor.of(seq, 1L, 3, 2); Tensor out = l.call(in)) {
            assertEquals(3f, out.get(0));
            assertTrue(Float.isNaN(out.get(1)), "channel 1 holds NaN");
        }
        try (Layer l = GlobalMaxPooling1D.builder().dataFormat(DataFormat.CHANNELS_FIRST).build();
             Tensor in = Tensor.of(seq, 1L, 2, 3); Tensor out = l.call(in)) {
            assertTrue(Float.isNaN(out.get(0)), "channel 0 holds NaN");
            assertEquals(2f, out.get(1));
        }
    }

    @Test
    void denseKeepsKerasValuesOnNaNAndInfinityWhereTheFusedActivationWouldNot() {
        float nan = Float.NaN;
        float inf = Float.POSITIVE_INFINITY;
        // kernel (2, 2) = identity: each output is one input (plus 0 times the other)
        float[] kernel = {1, 0, 0, 1};
        // Keras' value of activation(-Inf); softmax over a vector holding NaN is NaN everywhere
        java.util.Map<Activation, Float> atMinusInf = java.util.Map.of(Activation.RELU, 0f,
                Activation.LEAKY_RELU, Float.NEGATIVE_INFINITY, Activation.RELU6, 0f, Activation.GELU, nan,
                Activation.SOFTMAX, nan, Activation.LOG_SOFTMAX, nan);
        for (var expected : atMinusInf.entrySet()) {
            Activation a = expected.getKey();
            for (long[] shape : List.of(new long[] {2, 2}, new long[] {1, 2, 2})) {
                try (Dense d = Dense.builder(2).activation(a).useBias(false).batchInputShape(-1, 2).build();
                     Tensor x = Tensor.of(new float[] {nan, 1, -inf, 2}, shape)) {
                    d.setWeights(List.of(new Weight("kernel", new int[] {2, 2}, kernel)));
                    try (Tensor y = d.call(x)) {
                        float[] v = y.toFloatArray();
                        String what = a + " " + java.util.Arrays.toString(v);
                        // NaN times 0 is NaN: the first row is NaN everywhere, in Keras too
                        assertTrue(Float.isNaN(v[0]) && Float.isNaN(v[1]), what);
                        // the second row's pre-activations are -Inf and -Inf * 0 + 2 = NaN
                        assertEquals(expected.getValue(), v[2], what);
                        assertTrue(Float.isNaN(v[3]), what);
                    }
                }
            }
        }
        try (Dense d = Dense.builder(1).activation(Activation.RELU).batchInputShape(-1, 1).build();
             Tensor x = Tensor.of(new float[] {nan, -inf, inf}, 3L, 1)) {
            d.setWeights(List.of(new Weight("kernel", new int[] {1, 1}, new float[] {2}),
                    new Weight("bias", new int[] {1}, new float[] {1})));
            try (Tensor y = d.call(x)) {
                assertTrue(Float.isNaN(y.get(0)), "relu(NaN) is NaN in Keras, 0 in oneDNN");
                assertEquals(0f, y.get(1));
                assertEquals(inf, y.get(2));
            }
        }
    }

    @Test
    void movingStatisticsAreNotTrainable() {
        try (BatchNormalization bn = BatchNormalization.builder().batchInputShape(-1, 5, 3).build();
             BatchNormalization noScale = BatchNormalization.builder().scale(false).batchInputShape(-1, 3).build();
             BatchNormalization frozen = BatchNormalization.builder().trainable(false).batchInputShape(-1, 3).build();
             Dense d = Dense.builder(4).batchInputShape(-1, 3).build()) {
            assertEquals(12, bn.countParams());
            assertEquals(6, bn.countTrainableParams());
            assertEquals(List.of("gamma", "beta", "moving_mean", "moving_variance"),
                    bn.getWeights().stream().map(Weight::name).toList());
            assertEquals(List.of("beta", "moving_mean", "moving_variance"),
                    noScale.getWeights().stream().map(Weight::name).toList());
            assertEquals(3, noScale.countTrainableParams());
            assertEquals(0, frozen.countTrainableParams());
            assertEquals(16, d.countTrainableParams());
        }
    }

    @Test
    void batchNormalizationFoldsIntoTheDenseBeforeIt() {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = TestData.random(r, 2 * 5);
        try (Dense dense = Dense.builder(3).activation(Activation.LINEAR).batchInputShape(-1, 5).build();
             BatchNormalization bn = BatchNormalization.builder().epsilon(1e-7).batchInputShape(-1, 3).build()) {
            float[] kernel = TestData.random(r, 15);
            float[] bias = TestData.random(r, 3);
            dense.setWeights(List.of(new Weight("kernel", new int[] {5, 3}, kernel), new Weight("bias", new int[] {3}, bias)));
            float[] variance = {0.5f, 2f, 1e-6f};
            bn.setWeights(List.of(new Weight("gamma", new int[] {3}, new float[] {1.5f, -2f, 0.25f}),
                    new Weight("beta", new int[] {3}, new float[] {0.1f, 0.2f, -0.3f}),
                    new Weight("moving_mean", new int[] {3}, new float[] {0.3f, -0.4f, 0.5f}),
                    new Weight("moving_variance", new int[] {3}, variance)));
            float[][] st = bn.scaleAndShift(2);
            // a 2D input takes the non-fused path: epsilon 1e-7 as given
            assertEquals(1.5 / Math.sqrt(0.5 + 1e-7), st[0][0], 1e-6);
            assertEquals(0.25 / Math.sqrt(1e-6 + 1e-7), st[0][2], 1e-3);
            assertEquals(0.1 - 0.3 * st[0][0], st[1][0], 1e-6);
            assertEquals(0.25 / Math.sqrt(1e-6 + 1.001e-5), bn.scaleAndShift(4)[0][2], 1e-3, "4D: the fused minimum");
            float[] k2 = new float[15];
            float[] b2 = new float[3];
            for (int u = 0; u < 3; u++) {
                for (int i = 0; i < 5; i++) k2[i * 3 + u] = kernel[i * 3 + u] * st[0][u];
                b2[u] = bias[u] * st[0][u] + st[1][u];
            }
            try (Dense folded = dense.withKernelAndBias(5, k2, b2); Tensor in = Tensor.of(x, 2L, 5);
                 Tensor mid = dense.call(in); Tensor want = bn.call(mid); Tensor got = folded.call(in)) {
                assertEquals(Activation.LINEAR, folded.activation());
                float[] w = want.toFloatArray();
                float[] g = got.toFloatArray();
                for (int i = 0; i < w.length; i++) assertEquals(w[i], g[i], 1e-4 * (1 + Math.abs(w[i])));
            }
        }
    }

    @Test
    void wrongInputsAreRefusedAtCallNamingTheShape() {
        try (Layer pool = MaxPooling2D.builder().build(); Layer dense = Dense.builder(3).build();
             Layer bn = BatchNormalization.builder().axis(1).build(); Layer global = GlobalAveragePooling3D.builder().build();
             Tensor x3 = Tensor.zeros(1, 4, 3); Tensor x1 = Tensor.zeros(4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.call(x3));
            assertTrue(e.getMessage().contains("expected ndim=4, found ndim=3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> global.call(x3));
            assertTrue(e.getMessage().contains("expected ndim=5"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> dense.call(x1));
            assertTrue(e.getMessage().contains("min_ndim=2"), e.getMessage());
            try (Tensor y = dense.call(x3); Tensor wrong = Tensor.zeros(1, 4, 5)) {
                assertArrayEquals(new long[] {1, 4, 3}, y.shape());
                e = assertThrows(IllegalArgumentException.class, () -> dense.call(wrong));
                assertTrue(e.getMessage().contains("expected axis -1 of input shape to have value 3"), e.getMessage());
            }
            try (Tensor y = bn.call(x3); Tensor wrong = Tensor.zeros(1, 5, 3)) {
                e = assertThrows(IllegalArgumentException.class, () -> bn.call(wrong));
                assertTrue(e.getMessage().contains("expected axis 1 of input shape to have value 4"), e.getMessage());
            }
            e = assertThrows(IllegalArgumentException.class, () -> bn.call(x1));
            assertTrue(e.getMessage().contains("axis"), e.getMessage());
        }
    }

    @Test
    void wrongWeightShapesAreRefusedAtSetWeights() {
        try (Layer bn = BatchNormalization.builder().center(false).batchInputShape(-1, 4).build();
             Layer dense = Dense.builder(2).useBias(false).batchInputShape(-1, 3).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.setWeights(List.of(
                    new Weight("gamma", new int[] {4}, new float[4]), new Weight("beta", new int[] {4}, new float[4]),
                    new Weight("moving_mean", new int[] {4}, new float[4]),
                    new Weight("moving_variance", new int[] {4}, new float[4]))));
            assertTrue(e.getMessage().contains("expecting 3 weights"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> bn.setWeights(List.of(
                    new Weight("gamma", new int[] {5}, new float[5]), new Weight("moving_mean", new int[] {4}, new float[4]),
                    new Weight("moving_variance", new int[] {4}, new float[4]))));
            assertTrue(e.getMessage().contains("(4,)") && e.getMessage().contains("(5,)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> dense.setWeights(List.of(
                    new Weight("kernel", new int[] {2, 3}, new float[6]))));
            assertTrue(e.getMessage().contains("(3, 2)"), e.getMessage());
        }
    }

    @Test
    void everyMethodAfterCloseThrowsIllegalState() {
        BatchNormalization bn = BatchNormalization.builder().batchInputShape(-1, 2).build();
        Dense d = Dense.builder(2).batchInputShape(-1, 2).build();
        Layer p = AveragePooling1D.builder().build();
        bn.close();
        d.close();
        p.close();
        try (Tensor x = Tensor.zeros(1, 2, 2)) {
            assertThrows(IllegalStateException.class, () -> bn.scaleAndShift(2));
            assertThrows(IllegalStateException.class, () -> d.withKernelAndBias(2, new float[4], new float[2]));
            assertThrows(IllegalStateException.class, () -> p.call(x));
            assertThrows(IllegalStateException.class, bn::getConfig);
        }
    }
}
