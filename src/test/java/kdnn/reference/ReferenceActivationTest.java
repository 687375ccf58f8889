package kdnn.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ReferenceActivationTest {

    private static float[] apply(String name, float... v) {
        return ReferenceActivation.apply(name, new RefArray(new int[] {v.length}, v)).data();
    }

    @Test
    void hardSigmoidIsKeras2Clip() {
        assertArrayEquals(new float[] {0f, 0f, 0.5f, 0.7f, 1f, 1f}, apply("hard_sigmoid", -3, -2.5f, 0, 1, 2.5f, 3), 1e-7f);
    }

    @Test
    void softmaxNormalizesTheLastAxis() {
        RefArray x = ReferenceConvTest.random(new Random(1), 2, 3, 4);
        RefArray y = ReferenceActivation.apply("softmax", x);
        for (int row = 0; row < 6; row++) {
            double sum = 0;
            for (int j = 0; j < 4; j++) {
                sum += y.data()[row * 4 + j];
            }
            assertEquals(1.0, sum, 1e-6);
        }
        assertArrayEquals(new float[] {1f / 3, 2f / 3}, apply("softmax", 0, (float) Math.log(2)), 1e-7f);
        // large logits do not overflow
        assertArrayEquals(new float[] {0.5f, 0.5f}, apply("softmax", 1000, 1000), 1e-7f);
    }

    @Test
    void elementwiseValues() {
        assertArrayEquals(new float[] {0, 0, 2}, apply("relu", -1, 0, 2));
        assertArrayEquals(new float[] {0, 6}, apply("relu6", -1, 7));
        assertArrayEquals(new float[] {(float) Math.expm1(-1), 2}, apply("elu", -1, 2));
        assertArrayEquals(new float[] {-1.1113307f, 1.0507010f}, apply("selu", -1, 1), 1e-6f);
        assertArrayEquals(new float[] {(float) Math.log(2), 100f}, apply("softplus", 0, 100), 1e-6f);
        assertArrayEquals(new float[] {-0.5f, 0.75f}, apply("softsign", -1, 3));
        assertArrayEquals(new float[] {0.7310586f}, apply("sigmoid", 1), 1e-7f);
        assertArrayEquals(new float[] {0.7310586f}, apply("swish", 1), 1e-7f);
        assertArrayEquals(new float[] {0.7310586f}, apply("silu", 1), 1e-7f);
        assertArrayEquals(new float[] {(float) Math.E}, apply("exponential", 1), 1e-6f);
        assertArrayEquals(new float[] {(float) Math.tanh(0.5)}, apply("tanh", 0.5f));
        assertArrayEquals(new float[] {-3.5f}, apply("linear", -3.5f));
    }

    /** Keras 3's newer activations at the values of their docstrings and at the edges of their pieces. */
    @Test
    void keras3ElementwiseValues() {
        float nan = Float.NaN;
        assertArrayEquals(new float[] {-0.63212056f, 0, 1}, apply("celu", -1, 0, 1), 1e-7f);
        assertArrayEquals(new float[] {-1, -0.5f, 1, nan}, apply("hard_tanh", -2, -0.5f, 3, nan));
        assertArrayEquals(new float[] {0, 0, 0.5f, 0.75f, 1, 1, nan}, apply("sparse_sigmoid", -2, -1, 0, 0.5f, 1, 2, nan));
        assertArrayEquals(new float[] {-0.6931472f, -100f, -3.7200760e-44f}, apply("log_sigmoid", 0, -100, 100), 1e-7f);
        assertArrayEquals(new float[] {0.23840584f, -0.23840584f, 0}, apply("tanh_shrink", 1, -1, 0), 1e-7f);
        // tf.where on comparisons: NaN takes the zeros in the shrinks
        assertArrayEquals(new float[] {0.5f, -0.5f, 0, 0, 0}, apply("soft_shrink", 1, -1, 0.3f, 0.5f, nan));
        assertArrayEquals(new float[] {1, -0.6f, 0, 0, 0}, apply("hard_shrink", 1, -0.6f, 0.3f, -0.5f, nan));
        assertArrayEquals(new float[] {0, 0, 0.25f, 0.5625f, 1, 2, nan}, apply("sparse_plus", -2, -1, 0, 0.5f, 1, 2, nan));
        // float32 as TensorFlow computes it: -Inf + Inf is NaN, and x * x overflows for large x
        assertArrayEquals(new float[] {1, 1.618034f, nan, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY},
                apply("squareplus", 0, 1, Float.NEGATIVE_INFINITY, 1e20f, -1e20f), 1e-6f);
        // Keras' docstring: [-1, 0, 1] -> [0, 0, 1]; a support of two takes Keras' tau, the sum of its
        // cumulative sums less 1 over 2 (Martins and Astudillo's would give [0.75, 0.25, 0])
        assertArrayEquals(new float[] {0, 0, 1}, apply("sparsemax", -1, 0, 1));
        assertArrayEquals(new float[] {0.5f, 0, 0}, apply("sparsemax", 0.5f, 0, -0.5f), 1e-7f);
    }

    @Test
    void geluUsesErf() {
        // x * Phi(x): Phi(1) = 0.8413447460685429, Phi(-2) = 0.0227501319481792, 5*Phi(5) = 4.99999857
        assertArrayEquals(new float[] {0f, 0.8413447f, -0.0455002639f, 4.9999986f, 8f}, apply("gelu", 0, 1, -2, 5, 8), 1e-7f);
        assertEquals(0.5204998778130465, ReferenceActivation.erf(0.5), 1e-12);
        assertEquals(-0.9953222650189527, ReferenceActivation.erf(-2), 1e-12);
        assertEquals(0.9999999832607886, ReferenceActivation.erf(3.99), 1e-9);
    }

    @Test
    void unknownNameIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> apply("hard_swishy", 1));
        assertTrue(e.getMessage().contains("hard_swishy"), e.getMessage());
    }
}
