package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceOperations;
import org.junit.jupiter.api.Test;

/**
 * Keras' Embedding: each index's row of the table, the output shaped {@code input_shape +
 * (output_dim,)}; float indices truncated toward zero as Keras' cast to int32 truncates them;
 * an index outside the table refused at the call as TensorFlow's CPU lookup refuses it.
 */
class EmbeddingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'Embedding','config':" + config + "}").replace('\'', '"')));
    }

    private static float[] table(int rows, int cols) {
        float[] t = new float[rows * cols];
        for (int i = 0; i < t.length; i++) t[i] = (float) Math.sin(i * 0.7) * 3;
        return t;
    }

    @Test
    void eachIndexItsRowTruncatedTowardZero() throws Exception {
        try (Layer e = layer("{'name':'emb','input_dim':5,'output_dim':3}")) {
            float[] t = table(5, 3);
            e.build(new long[] {-1, 2, 3});
            e.setWeights(List.of(new Weight("embeddings", new int[] {5, 3}, t)));
            float[] ids = {0, 4, 2, 3.9f, -0.5f, 1.0f};
            int[] rows = {0, 4, 2, 3, 0, 1};
            try (Tensor in = Tensor.of(ids, 1, 2, 3); Tensor y = e.call(in)) {
                assertArrayEquals(new long[] {1, 2, 3, 3}, y.shape());
                RefArray want = ReferenceOperations.embedding(new RefArray(new int[] {1, 2, 3}, ids), new RefArray(new int[] {5, 3}, t));
                assertArrayEquals(want.data(), y.toFloatArray(), 0f);
                for (int i = 0; i < ids.length; i++) assertEquals(t[rows[i] * 3], want.data()[i * 3], "the reference's row " + i);
            }
            for (float bad : new float[] {5, -1, Float.NaN, 1e30f, Float.NEGATIVE_INFINITY}) {
                try (Tensor in = Tensor.of(new float[] {1, bad}, 1, 2)) {
                    var x = assertThrows(IllegalArgumentException.class, () -> e.call(in).close(), "index " + bad);
                    assertTrue(x.getMessage().contains("input value " + bad + " at position 1 is not an index in [0, 5)"),
                            x.getMessage());
                }
            }
            // still usable after a refused call
            try (Tensor in = Tensor.of(new float[] {2}, 1, 1); Tensor y = e.call(in)) {
                assertArrayEquals(new float[] {t[6], t[7], t[8]}, y.toFloatArray(), 0f);
            }
        }
    }

    @Test
    void configsAndRefusals() throws Exception {
        try (Layer e = layer("{'name':'emb','input_dim':7,'output_dim':2,'embeddings_initializer':{'class_name':'RandomUniform',"
                + "'config':{'minval':-0.05,'maxval':0.05,'seed':3}},'mask_zero':false,'input_length':4,"
                + "'batch_input_shape':[null,4]}")) {
            assertEquals(7, ((Embedding) e).inputDim());
            try (Layer back = Layers.fromConfig(Layers.toConfig(e))) {
                assertEquals(Layers.toConfig(e), Layers.toConfig(back));
            }
            assertArrayEquals(new long[] {-1, 4, 2}, e.computeOutputShape(new long[] {-1, 4}));
            var x = assertThrows(IllegalArgumentException.class, () -> e.computeOutputShape(new long[] {-1, 5}));
            assertTrue(x.getMessage().contains("\"input_length\" is 4, but received input has shape (None, 5)"), x.getMessage());
            List<Weight> w = e.getWeights();
            assertEquals("embeddings", w.get(0).name());
            for (float v : w.get(0).values()) assertTrue(v >= -0.05f && v <= 0.05f, "uniform(-0.05, 0.05): " + v);
        }
        try (Layer defaults = layer("{'input_dim':3,'output_dim':2}")) {
            assertEquals("RandomUniform", Layers.toConfig(defaults).get("config").get("embeddings_initializer")
                    .get("class_name").asText());
        }
        String[][] refused = {
            {"{'input_dim':0,'output_dim':2}", "Both `input_dim` and `output_dim` should be positive"},
            {"{'output_dim':2}", "Embedding needs the argument `input_dim`"},
            {"{'input_dim':3,'output_dim':2,'input_length':0}", "`input_length` must be None, a positive integer"},
            {"{'input_dim':3,'output_dim':2,'sparse':true}", "`sparse=True` is not supported"},
            {"{'input_dim':3,'output_dim':2,'dtype':'int32'}", "`dtype` must be \"float32\""},
            {"{'input_dim':3,'output_dim':2,'masked':true}", "unexpected keyword argument(s) [masked]"}};
        for (String[] c : refused) {
            var x = assertThrows(IllegalArgumentException.class, () -> layer(c[0]), c[0]);
            assertTrue(x.getMessage().contains(c[1]), x.getMessage());
        }
    }

    /** An integer input may only feed an Embedding: a Conv1D on indices is refused when the model is built. */
    @Test
    void integerInputsFeedOnlyAnEmbedding() throws Exception {
        kdnn.model.KerasTensor ids = kdnn.model.KerasTensor.input(InputLayer.of("ids", "int32", -1, 6));
        try (Layer emb = layer("{'name':'e','input_dim':9,'output_dim':4}");
             Layer conv = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Conv1D\",\"config\":{\"name\":\"c\",\"filters\":2,"
                     + "\"kernel_size\":3}}"))) {
            var x = assertThrows(IllegalArgumentException.class, () -> conv.apply(ids));
            assertTrue(x.getMessage().contains("its input \"ids\" holds int32 values, which only an Embedding, a CategoryEncoding, a Rescaling"),
                    x.getMessage());
            kdnn.model.KerasTensor y = conv.apply(emb.apply(ids));
            try (kdnn.model.Functional m = kdnn.model.Functional.of("text", List.of(ids), List.of(y));
                 Tensor in = Tensor.of(new float[] {1, 2, 3, 8, 0, 5}, 1, 6); Tensor out = m.predict(in);
                 Tensor a = emb.call(in); Tensor want = conv.call(a)) {
                assertArrayEquals(want.toFloatArray(), out.toFloatArray(), 0f);
                assertEquals("int32", kdnn.model.ModelConfigs.toConfig(m).get("config").get("layers").get(0).get("config").get("dtype").asText());
            }
        }
        var bad = assertThrows(IllegalArgumentException.class, () -> InputLayer.of("x", "string", -1, 2));
        assertTrue(bad.getMessage().contains("must be one of [float32, int16, int32, int64, int8, uint16, uint8]"),
                bad.getMessage());
    }
}
