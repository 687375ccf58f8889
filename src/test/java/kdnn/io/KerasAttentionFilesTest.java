package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.model.Model;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The attention layers as Keras 3.15.1 itself writes and computes them (JAX backend; the files
 * and outputs in {@code testdata/keras3-attention}, written by its {@code make.py}): an
 * Embedding's mask through self-attention (Keras' fused path), cross-attention with dropout (its
 * Softmax path), an attention mask with a row all masked and the causal mask, attention over one
 * axis of a rank-4 input with the weights returned, the gate and sliding window, and Attention
 * (dot, concat) and AdditiveAttention with Masking's masks and the causal mask. Each read from its
 * .keras and its legacy .h5 predicts Keras' outputs.
 */
class KerasAttentionFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"mha_embedding_mask", "mha_cross_causal", "mha_axes_scores", "mha_gate_window",
            "dense_attentions_masked"})
    void predictsKerasOutputs(String name) throws Exception {
        Path dir = TestData.own("keras3-attention").resolve(name);
        JsonNode expected = JSON.readTree(Files.readString(dir.resolve("expected.json")));
        List<Tensor> inputs = new ArrayList<>();
        try {
            for (JsonNode in : expected.get("inputs")) inputs.add(tensor(in));
            for (String file : List.of("model.keras", "model.h5")) {
                try (Model m = Models.load(dir.resolve(file))) {
                    List<Tensor> got = m.predict(inputs);
                    try {
                        JsonNode outs = expected.get("outputs");
                        assertEquals(outs.size(), got.size(), name + " " + file);
                        for (int k = 0; k < outs.size(); k++) {
                            float[] want = floats(outs.get(k).get("values"));
                            float[] g = got.get(k).toFloatArray();
                            assertArrayEquals(longs(outs.get(k).get("shape")), got.get(k).shape(), name + " " + file);
                            for (int i = 0; i < want.length; i++) {
                                assertEquals(want[i], g[i], 2e-5 + 2e-5 * Math.abs(want[i]),
                                        name + " " + file + " output " + k + " at " + i);
                            }
                        }
                    } finally {
                        got.forEach(Tensor::close);
                    }
                }
            }
        } finally {
            inputs.forEach(Tensor::close);
        }
    }

    private static Tensor tensor(JsonNode n) {
        return Tensor.of(floats(n.get("values")), longs(n.get("shape")));
    }

    private static float[] floats(JsonNode values) {
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) values.get(i).asDouble();
        return v;
    }

    private static long[] longs(JsonNode shape) {
        long[] s = new long[shape.size()];
        for (int i = 0; i < s.length; i++) s[i] = shape.get(i).asLong();
        return s;
    }
}
