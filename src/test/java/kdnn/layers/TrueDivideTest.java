package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceSurrounding;
import org.junit.jupiter.api.Test;

/**
 * kdnn's TrueDivide ({@code tf.math.truediv} / {@code keras.ops.true_divide} by a constant): bitwise
 * float32 division, rounded once, for divisors whose reciprocal rounds otherwise (127.5, 255, the
 * ImageNet standard deviations), at NaN, infinities, zeros and subnormals, in both NaN modes, alone
 * and inside a model.
 */
class TrueDivideTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'TrueDivide','config':" + config + "}").replace('\'', '"')));
    }

    private static float[] values(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (r.nextInt(5)) {
                case 0 -> r.nextInt(256);
                case 1 -> Float.intBitsToFloat(r.nextInt()); // any bit pattern: subnormals, huge values, NaN payloads
                default -> (float) (r.nextGaussian() * 100);
            };
        }
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, Float.MIN_VALUE,
            -Float.MIN_NORMAL, Float.MAX_VALUE};
        System.arraycopy(special, 0, x, 0, special.length);
        return x;
    }

    private static void assertBitwise(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            boolean same = Float.isNaN(want[i]) ? Float.isNaN(got[i]) : Float.floatToIntBits(want[i]) == Float.floatToIntBits(got[i]);
            assertTrue(same, what + ": value " + i + " gives " + got[i] + ", x / y is " + want[i]);
        }
    }

    @Test
    void bitwiseOneRoundedDivisionWhereTheReciprocalWouldRoundOtherwise() throws Exception {
        float[] x = values(4099, 3); // an odd count: the vector loop's tail too
        int productDiffers = 0;
        for (double y : new double[] {127.5, 255, 0.229, 3, 7, -0.1, 1e-30, 4, 0, -0.0}) {
            for (ExtremeValues mode : new ExtremeValues[] {ExtremeValues.FUSED, ExtremeValues.KERAS}) {
                try (Layer l = layer("{'name':'d','y':" + y + "}"); Tensor in = Tensor.of(x, 1, x.length)) {
                    l.setExtremes(mode);
                    try (Tensor out = l.call(in)) {
                        float[] want = ReferenceSurrounding.trueDivide(new RefArray(new int[] {1, x.length}, x), y).data();
                        assertBitwise(want, out.toFloatArray(), "y=" + y + " " + mode);
                        for (int i = 0; i < x.length; i++) {
                            if (Float.isFinite(want[i]) && x[i] * (1f / (float) y) != want[i]) productDiffers++;
                        }
                    }
                }
            }
        }
        assertTrue(productDiffers > 100, "the divisors are ones where x * (1 / y) rounds otherwise: " + productDiffers);
    }

    /** keras.applications' torch preprocessing divides each channel by its ImageNet standard deviation. */
    @Test
    void oneDivisorPerChannelBroadcastAgainstTheLastAxis() throws Exception {
        float[] x = values(2 * 5 * 7 * 3, 11);
        try (Layer l = layer("{'name':'std','y':[0.229,0.224,0.225]}"); Tensor in = Tensor.of(x, 2, 5, 7, 3);
             Tensor out = l.call(in)) {
            float[] want = ReferenceSurrounding.trueDivide(new RefArray(new int[] {2, 5, 7, 3}, x), 0.229, 0.224, 0.225).data();
            assertBitwise(want, out.toFloatArray(), "per channel");
        }
    }

    @Test
    void configsRoundTripAndRefusals() throws Exception {
        try (Layer a = layer("{'name':'a','trainable':true,'dtype':'float32','y':127.5}"); Layer b = layer("{'y':[2.0,3.0]}")) {
            assertArrayEquals(new double[] {127.5}, ((TrueDivide) a).divisor());
            assertTrue(Layers.toConfig(b).get("config").get("y").isArray(), "a list stays a list");
            try (Layer back = Layers.fromConfig(Layers.toConfig(a))) {
                assertEquals(Layers.toConfig(a), Layers.toConfig(back));
            }
            var wrong = assertThrows(IllegalArgumentException.class, () -> b.computeOutputShape(new long[] {1, 4, 3}));
            assertTrue(wrong.getMessage().contains("its last axis has 3 positions, but the divisor y holds 2 values"),
                    wrong.getMessage());
        }
        var missing = assertThrows(IllegalArgumentException.class, () -> TrueDivide.builder().name("d").build());
        assertTrue(missing.getMessage().contains("needs a divisor `y`"), missing.getMessage());
        var empty = assertThrows(IllegalArgumentException.class, () -> layer("{'y':[]}"));
        assertTrue(empty.getMessage().contains("Received: y=[]"), empty.getMessage());
        var text = assertThrows(IllegalArgumentException.class, () -> layer("{'y':'255'}"));
        assertTrue(text.getMessage().contains("TrueDivide `y` must be a float or a list of floats"), text.getMessage());
        var typo = assertThrows(IllegalArgumentException.class, () -> layer("{'y':2,'z':1}"));
        assertTrue(typo.getMessage().contains("unexpected keyword argument(s) [z]"), typo.getMessage());
        try (Layer closed = layer("{'y':2}")) {
            closed.close();
            assertThrows(IllegalStateException.class, ((TrueDivide) closed)::divisor);
        }
    }

    /**
     * Two tensors (TensorDivide, class TrueDivide): each shape broadcast against the other as Keras'
     * merges do, the first one too, bitwise {@code x / y} at zeros of either sign, NaN and infinities.
     */
    @Test
    void tensorByTensorBitwiseWithEitherBroadcast() throws Exception {
        float[] special = {-0f, 0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3f, -7.5f, 1e-40f};
        long[][][] shapes = {{{2, 4, 3}, {2, 4, 3}}, {{2, 1, 3}, {2, 4, 3}}, {{2, 4, 3}, {2, 1, 3}}, {{2, 4, 3}, {2, 3}}};
        try (Layer d = Layers.fromConfig(JSON.readTree("{\"class_name\": \"TrueDivide\", \"config\": {\"name\": \"d\"}}"))) {
            assertTrue(d instanceof TensorDivide, "no y: the tensor form");
            for (long[][] s : shapes) {
                float[] x = new float[(int) (s[0][0] * s[0][1] * s[0][2])];
                float[] y = new float[(int) java.util.Arrays.stream(s[1]).reduce(1, (a, b) -> a * b)];
                for (int i = 0; i < x.length; i++) x[i] = special[i % special.length];
                for (int i = 0; i < y.length; i++) y[i] = special[(i * 3 + 1) % special.length];
                try (Tensor a = Tensor.of(x, s[0]); Tensor b = Tensor.of(y, s[1]); Tensor q = d.call(List.of(a, b))) {
                    float[] got = q.toFloatArray();
                    float[] want = new float[2 * 4 * 3];
                    for (int n = 0; n < 2; n++) {
                        for (int t = 0; t < 4; t++) {
                            for (int c = 0; c < 3; c++) {
                                float xv = x[(int) (n * s[0][1] * 3 + (s[0][1] == 1 ? 0 : t) * 3 + c)];
                                float yv = s[1].length == 2 ? y[n * 3 + c] : y[(int) (n * s[1][1] * 3 + (s[1][1] == 1 ? 0 : t) * 3 + c)];
                                want[n * 12 + t * 3 + c] = xv / yv;
                            }
                        }
                    }
                    assertBitwise(want, got, java.util.Arrays.deepToString(s));
                }
            }
        }
    }

    /** In a plan, with the convolution after it: what the two layers compute one by one. */
    @Test
    void inAModelBeforeAConvolutionAsLayerByLayer() throws Exception {
        for (String pre : new String[] {"{'name':'pre','y':127.5}", "{'name':'pre','y':[58.395,57.12,57.375]}"}) {
            try (Layer divide = layer(pre);
                 Layer conv = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Conv2D\",\"config\":{\"name\":\"c\","
                         + "\"filters\":4,\"kernel_size\":3,\"activation\":\"relu\"}}"));
                 kdnn.model.Sequential m = kdnn.model.Sequential.of("m", List.of(divide, conv), -1, 6, 6, 3)) {
                float[] x = new float[2 * 6 * 6 * 3];
                for (int i = 0; i < x.length; i++) x[i] = (i * 37) % 256;
                try (Tensor in = Tensor.of(x, 2, 6, 6, 3); Tensor y = m.predict(in); Tensor a = divide.call(in);
                     Tensor want = conv.call(a)) {
                    assertArrayEquals(want.toFloatArray(), y.toFloatArray(), pre);
                }
            }
        }
    }

    /** A constant divided by the tensor ({@code 1.0 / t}): bitwise {@code x / t} over random bit patterns, a list per channel. */
    @Test
    void aConstantDividedByTheTensor() throws Exception {
        Random r = new Random(23);
        float[] t = new float[6000];
        for (int i = 0; i < t.length; i++) t[i] = i < 6 ? new float[] {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY,
                Float.MIN_VALUE, -1f}[i] : Float.intBitsToFloat(r.nextInt());
        for (String x : new String[] {"1.0", "-127.5", "[0.5, 3.0, -7.0]"}) {
            try (Layer l = Layers.fromConfig(new ObjectMapper().readTree(("{'class_name': 'TrueDivide', 'config':"
                    + " {'name': 'inv', 'x': " + x + "}}").replace('\'', '"')));
                 Tensor in = Tensor.of(t, 2, 1000, 3); Tensor y = l.call(in)) {
                assertTrue(l instanceof ConstantDivide, l.getClass().getName());
                double[] c = ((ConstantDivide) l).numerator();
                float[] got = y.toFloatArray();
                for (int i = 0; i < t.length; i++) {
                    float want = (float) c[c.length == 1 ? 0 : i % 3] / t[i];
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got[i]), "x=" + x + " / " + t[i]);
                }
                assertEquals(Layers.toConfig(l), Layers.toConfig(Layers.fromConfig(Layers.toConfig(l))));
            }
        }
        try (Layer l = Layers.fromConfig(new ObjectMapper().readTree("{\"class_name\": \"TrueDivide\", \"config\":"
                + " {\"x\": [1.0, 2.0]}}"))) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 3}));
            assertTrue(e.getMessage().contains("numerator x holds 2 values"), e.getMessage());
        }
    }
}
