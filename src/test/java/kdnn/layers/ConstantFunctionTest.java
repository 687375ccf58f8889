package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * clip, power, maximum and minimum of constants as NumPy and TensorFlow compute them: a NaN kept
 * by clip and by the maximum and minimum (and a NaN constant making every value NaN), the upper
 * bound winning where the bounds cross, NaN for a negative base to a fractional power, infinity for
 * 0 to a negative one; a constant that is not a number refused.
 */
class ConstantFunctionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static float[] apply(String cls, String config, float... x) throws Exception {
        try (Layer l = Layers.fromConfig(JSON.readTree(("{'class_name': '" + cls + "', 'config': " + config + "}")
                .replace('\'', '"'))); Tensor in = Tensor.of(x, 1, x.length); Tensor y = l.call(in)) {
            return y.toFloatArray();
        }
    }

    @Test
    void asNumPyComputesThem() throws Exception {
        float[] c = apply("Clip", "{'x_min': -1.0, 'x_max': 2.0}", -3f, 0.5f, 7f, Float.NaN, Float.NEGATIVE_INFINITY);
        assertEquals(-1f, c[0]);
        assertEquals(0.5f, c[1]);
        assertEquals(2f, c[2]);
        assertTrue(Float.isNaN(c[3]));
        assertEquals(-1f, c[4]);
        float[] crossed = apply("Clip", "{'x_min': 2.0, 'x_max': 1.0}", 0f, 5f);
        assertEquals(1f, crossed[0]);
        assertEquals(1f, crossed[1]);
        float[] p = apply("Power", "{'exponent': 0.5}", 4f, -4f, 0f);
        assertEquals(2f, p[0]);
        assertTrue(Float.isNaN(p[1]));
        assertEquals(0f, p[2]);
        float[] cube = apply("Power", "{'exponent': 3}", -2f, 1.5f);
        assertEquals(-8f, cube[0]);
        assertEquals(3.375f, cube[1]);
        assertEquals(Float.POSITIVE_INFINITY, apply("Power", "{'exponent': -1.0}", 0f)[0]);
        float[] max = apply("ConstantMaximum", "{'y': 0.5}", -3f, 0.5f, 7f, Float.NaN, Float.NEGATIVE_INFINITY, -0f);
        assertEquals(0.5f, max[0]);
        assertEquals(0.5f, max[1]);
        assertEquals(7f, max[2]);
        assertTrue(Float.isNaN(max[3]));
        assertEquals(0.5f, max[4]);
        float[] min = apply("ConstantMinimum", "{'y': 0}", -3f, 7f, Float.NaN, Float.POSITIVE_INFINITY);
        assertEquals(-3f, min[0]);
        assertEquals(0f, min[1]);
        assertTrue(Float.isNaN(min[2]));
        assertEquals(0f, min[3]);
        var nanConstant = JSON.createObjectNode().put("y", Double.NaN);
        try (Layer l = Layers.fromConfig(JSON.createObjectNode().put("class_name", "ConstantMaximum").set("config", nanConstant));
             Tensor in = Tensor.of(new float[] {-1f, 1f}, 1, 2); Tensor y = l.call(in)) {
            for (float v : y.toFloatArray()) assertTrue(Float.isNaN(v), "a NaN constant makes every value NaN");
        }
        var e = assertThrows(IllegalArgumentException.class, () -> apply("Clip", "{'x_min': 'a', 'x_max': 1}", 0f));
        assertTrue(e.getMessage().contains("x_min"), e.getMessage());
    }
}
