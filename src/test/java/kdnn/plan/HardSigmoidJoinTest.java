package kdnn.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import kdnn.Tensor;
import kdnn.layers.ExtremeValues;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;
import org.junit.jupiter.api.Test;

/**
 * tf.keras' hard sigmoid, {@code ReLU(6)(x + 3) * (1 / 6)} (MobileNetV3's squeeze-and-excite gate),
 * planned as one step: bit for bit the values of the three steps it replaces in the fused mode
 * (where oneDNN's clip makes NaN 0), TensorFlow's own in the KERAS mode (NaN stays NaN), with the
 * product's offset -0 (tf.math.multiply) or +0 (a Rescaling's default); the join happens only
 * where nothing else reads the values between the three layers.
 */
class HardSigmoidJoinTest {
    private static final String JOINED = "joined it as one hard sigmoid step";
    private static final float SIXTH = (float) (1.0 / 6.0);

    /** The gate on the model's input, the product's offset {@code offset}; {@code extraOutput} a second output. */
    private static String block(double product, String offset, String extraOutput) {
        String outputs = "[['gate', 0, 0]" + (extraOutput == null ? "" : ", ['" + extraOutput + "', 0, 0]") + "]";
        return ("""
                {'class_name': 'Functional', 'config': {'name': 'hard_sigmoid', 'layers': [
                {'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 1, 1, 45], 'dtype': 'float32',
                 'name': 'x'}, 'name': 'x', 'inbound_nodes': []},
                {'class_name': 'Rescaling', 'config': {'name': 'tf.__operators__.add', 'scale': 1.0, 'offset': 3.0},
                 'name': 'tf.__operators__.add', 'inbound_nodes': [[['x', 0, 0, {}]]]},
                {'class_name': 'ReLU', 'config': {'name': 're_lu', 'max_value': 6.0},
                 'name': 're_lu', 'inbound_nodes': [[['tf.__operators__.add', 0, 0, {}]]]},
                {'class_name': 'Rescaling', 'config': {'name': 'gate', 'scale': PRODUCT, 'offset': OFFSET},
                 'name': 'gate', 'inbound_nodes': [[['re_lu', 0, 0, {}]]]}],
                 'input_layers': [['x', 0, 0]], 'output_layers': OUTPUTS},
                 'keras_version': '2.12.0', 'backend': 'tensorflow'}
                """).replace("PRODUCT", Double.toString(product)).replace("OFFSET", offset)
                .replace("OUTPUTS", outputs).replace('\'', '"');
    }

    /** TensorFlow's three operations in float32: x + 3, relu6 (NaN stays NaN), times the factor, plus the offset. */
    private static float tensorFlow(float x, float factor, float offset) {
        float t = x + 3f;
        float r = Float.isNaN(t) ? Float.NaN : Math.min(Math.max(t, 0f), 6f);
        return r * factor + offset;
    }

    /** A sweep over [-8, 8] in steps of 1/8 (the kinks at -3 and 3 among them), then the extremes. */
    private static float[] inputs() {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3e38f, -3e38f, Float.MAX_VALUE,
                -Float.MAX_VALUE, 0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, -1e-30f, -3f, 3f, -2.9999998f,
                2.9999998f, 1f / 3, -1f / 3, 0.1f, -0.1f, -3.0000002f, 3.0000002f};
        float[] x = new float[3 * 45];
        for (int i = 0; i < x.length; i++) x[i] = i < special.length ? special[i] : -8f + (i - special.length) / 8f;
        return x;
    }

    private static void assertSameBits(float[] x, float[] want, float[] got, String what) {
        for (int i = 0; i < x.length; i++) {
            if (Float.isNaN(want[i])) {
                assertTrue(Float.isNaN(got[i]), what + ": x = " + x[i] + " gives " + got[i] + ", expected NaN");
            } else {
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]),
                        what + ": x = " + x[i] + " gives " + got[i] + ", expected " + want[i]);
            }
        }
    }

    private static Model load(String config) throws Exception {
        return ModelConfigs.build(new ObjectMapper().readTree(config), (path, layer, expected) -> layer.getWeights());
    }

    private static float[] predict(Model m, Tensor in) {
        try (Tensor y = m.predict(in)) {
            return y.toFloatArray();
        }
    }

    @Test
    void theThreeLayersRunAsOneStepWithTheirOwnValuesInBothModes() throws Exception {
        float[] x = inputs();
        for (String offset : new String[] {"-0.0", "0.0"}) {
            float off = Float.parseFloat(offset);
            try (Model m = load(block(1.0 / 6.0, offset, null)); Tensor in = Tensor.of(x, 3, 1, 1, 45)) {
                String plan = m.plan(new long[] {3, 1, 1, 45});
                assertTrue(plan.contains("gate + tf.__operators__.add and re_lu " + JOINED), plan);
                assertEquals(1, plan.lines().filter(l -> l.matches("\\s*\\d+ .*")).count(), plan);
                // fused: the three steps' own values, oneDNN's clip making NaN 0 in both
                m.setExtremes(ExtremeValues.FUSED);
                float[] joined = predict(m, in);
                m.setFusion(false);
                float[] three = predict(m, in);
                m.setFusion(true);
                assertSameBits(x, three, joined, "fused, offset " + offset);
                assertEquals(0f, joined[0], "fused: relu6(NaN) is oneDNN's 0");
                // KERAS: TensorFlow's, joined or not
                m.setExtremes(ExtremeValues.KERAS);
                float[] want = new float[x.length];
                for (int i = 0; i < x.length; i++) want[i] = tensorFlow(x[i], SIXTH, off);
                assertSameBits(x, want, predict(m, in), "KERAS, joined, offset " + offset);
                m.setFusion(false);
                assertSameBits(x, want, predict(m, in), "KERAS, three steps, offset " + offset);
                // finite values are TensorFlow's in both modes
                for (int i = 0; i < x.length; i++) {
                    if (Math.abs(x[i]) < 1e30f) {
                        assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(joined[i]), "x = " + x[i]);
                    }
                }
            }
        }
    }

    @Test
    void anotherFactorOrAValueReadElsewhereKeepsTheLayers() throws Exception {
        float[] x = inputs();
        // Keras 2's hard sigmoid slope, 0.2: not the function the step computes
        try (Model m = load(block(0.2, "-0.0", null)); Tensor in = Tensor.of(x, 3, 1, 1, 45)) {
            String plan = m.plan(new long[] {3, 1, 1, 45});
            assertFalse(plan.contains(JOINED), plan);
            m.setExtremes(ExtremeValues.KERAS);
            float[] got = predict(m, in);
            float[] want = new float[x.length];
            for (int i = 0; i < x.length; i++) want[i] = tensorFlow(x[i], 0.2f, -0f);
            assertSameBits(x, want, got, "factor 0.2");
        }
        // relu6's output is also the model's output: the three stay three
        try (Model m = load(block(1.0 / 6.0, "-0.0", "re_lu")); Tensor in = Tensor.of(x, 3, 1, 1, 45)) {
            String plan = m.plan(new long[] {3, 1, 1, 45});
            assertFalse(plan.contains(JOINED), plan);
            var ys = m.predict(java.util.List.of(in));
            try (Tensor y = ys.get(0); Tensor r = ys.get(1)) {
                float[] g = y.toFloatArray();
                float[] relu = r.toFloatArray();
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Float.floatToIntBits(relu[i] * SIXTH + -0f), Float.floatToIntBits(g[i]), "x = " + x[i]);
                }
            }
        }
    }
}
