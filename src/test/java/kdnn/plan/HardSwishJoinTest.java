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
 * tf.keras' hard swish, {@code Multiply([x, ReLU(6)(x + 3) * (1 / 6)])} (MobileNetV3's four
 * layers), planned as one step: on every float32 it gives what TensorFlow's four operations give,
 * bit for bit (NaN where they give NaN), in both treatments of NaN and infinities, fused and not;
 * the join happens only where nothing else reads the values between the four layers.
 */
class HardSwishJoinTest {
    private static final String JOINED = "joined it as one hard swish step";

    /** The block on the model's input; {@code product} is the hard sigmoid's factor, {@code extraOutput} a second output. */
    private static String block(double product, String extraOutput) {
        String outputs = "[['out', 0, 0]" + (extraOutput == null ? "" : ", ['" + extraOutput + "', 0, 0]") + "]";
        return ("""
                {'class_name': 'Functional', 'config': {'name': 'hard_swish', 'layers': [
                {'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 5, 7, 9], 'dtype': 'float32',
                 'name': 'x'}, 'name': 'x', 'inbound_nodes': []},
                {'class_name': 'Rescaling', 'config': {'name': 'tf.__operators__.add', 'scale': 1.0, 'offset': 3.0},
                 'name': 'tf.__operators__.add', 'inbound_nodes': [[['x', 0, 0, {}]]]},
                {'class_name': 'ReLU', 'config': {'name': 're_lu', 'max_value': 6.0},
                 'name': 're_lu', 'inbound_nodes': [[['tf.__operators__.add', 0, 0, {}]]]},
                {'class_name': 'Rescaling', 'config': {'name': 'tf.math.multiply', 'scale': PRODUCT, 'offset': -0.0},
                 'name': 'tf.math.multiply', 'inbound_nodes': [[['re_lu', 0, 0, {}]]]},
                {'class_name': 'Multiply', 'config': {'name': 'out'},
                 'name': 'out', 'inbound_nodes': [[['x', 0, 0, {}], ['tf.math.multiply', 0, 0, {}]]]}],
                 'input_layers': [['x', 0, 0]], 'output_layers': OUTPUTS},
                 'keras_version': '2.12.0', 'backend': 'tensorflow'}
                """).replace("PRODUCT", Double.toString(product)).replace("OUTPUTS", outputs).replace('\'', '"');
    }

    /** TensorFlow's four operations in float32: x + 3, relu6 (NaN stays NaN), times 1/6, times x. */
    private static float tensorFlow(float x, float product) {
        float t = x + 3f;
        float r = Float.isNaN(t) ? Float.NaN : Math.min(Math.max(t, 0f), 6f);
        return x * (r * product);
    }

    /** A sweep over [-8, 8] in steps of 1/64 (the kinks at -3 and 3 among them), then the extremes. */
    private static float[] inputs() {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3e38f, -3e38f, Float.MAX_VALUE,
                -Float.MAX_VALUE, 0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, -1e-30f, -3f, 3f, -2.9999998f,
                2.9999998f, 1f / 3, -1f / 3, 0.1f, -0.1f};
        float[] x = new float[2 * 5 * 7 * 9];
        for (int i = 0; i < x.length; i++) x[i] = i < special.length ? special[i] : -8f + (i - special.length) / 64f;
        return x;
    }

    private static void assertTensorFlowValues(float[] x, float[] got, float product, String what) {
        for (int i = 0; i < x.length; i++) {
            float want = tensorFlow(x[i], product);
            if (Float.isNaN(want)) {
                assertTrue(Float.isNaN(got[i]), what + ": x = " + x[i] + " gives " + got[i] + ", TensorFlow NaN");
            } else {
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got[i]),
                        what + ": x = " + x[i] + " gives " + got[i] + ", TensorFlow " + want);
            }
        }
    }

    private static Model load(String config) throws Exception {
        return ModelConfigs.build(new ObjectMapper().readTree(config), (path, layer, expected) -> layer.getWeights());
    }

    @Test
    void theFourLayersRunAsOneStepWithTensorFlowsValuesInBothModes() throws Exception {
        float[] x = inputs();
        try (Model m = load(block(1.0 / 6.0, null)); Tensor in = Tensor.of(x, 2, 5, 7, 9)) {
            String plan = m.plan(new long[] {2, 5, 7, 9});
            assertTrue(plan.contains("out + tf.__operators__.add, re_lu and tf.math.multiply " + JOINED), plan);
            assertEquals(1, plan.lines().filter(l -> l.matches("\\s*\\d+ .*")).count(), plan);
            for (ExtremeValues mode : ExtremeValues.values()) {
                m.setExtremes(mode);
                for (boolean fusion : new boolean[] {true, false}) {
                    m.setFusion(fusion);
                    try (Tensor y = m.predict(in)) {
                        assertTensorFlowValues(x, y.toFloatArray(), 1f / 6, mode + (fusion ? " fused" : " unfused"));
                    }
                }
            }
        }
    }

    @Test
    void anotherFactorOrAValueReadElsewhereKeepsTheLayers() throws Exception {
        float[] x = inputs();
        // Keras 2's hard sigmoid slope, 0.2: not the function the step computes
        try (Model m = load(block(0.2, null)); Tensor in = Tensor.of(x, 2, 5, 7, 9); Tensor y = m.predict(in)) {
            String plan = m.plan(new long[] {2, 5, 7, 9});
            assertFalse(plan.contains(JOINED), plan);
            assertTensorFlowValues(x, y.toFloatArray(), 0.2f, "factor 0.2");
        }
        // x + 3 is also the model's output: the four stay four
        try (Model m = load(block(1.0 / 6.0, "tf.__operators__.add")); Tensor in = Tensor.of(x, 2, 5, 7, 9)) {
            String plan = m.plan(new long[] {2, 5, 7, 9});
            assertFalse(plan.contains(JOINED), plan);
            var ys = m.predict(java.util.List.of(in));
            try (Tensor y = ys.get(0); Tensor shifted = ys.get(1)) {
                assertTensorFlowValues(x, y.toFloatArray(), 1f / 6, "x + 3 an output");
                float[] s = shifted.toFloatArray();
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Float.floatToIntBits(x[i] + 3f), Float.floatToIntBits(s[i]), "x + 3 at x = " + x[i]);
                }
            }
        }
    }
}
