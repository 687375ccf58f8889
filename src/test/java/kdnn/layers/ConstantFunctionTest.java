package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * clip and power of constants as NumPy computes them: a NaN kept by clip, the upper bound winning
 * where the bounds cross, NaN for a negative base to a fractional power, infinity for 0 to a
 * negative one; a constant that is not a number refused.
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
        var e = assertThrows(IllegalArgumentException.class, () -> apply("Clip", "{'x_min': 'a', 'x_max': 1}", 0f));
        assertTrue(e.getMessage().contains("x_min"), e.getMessage());
    }
}
