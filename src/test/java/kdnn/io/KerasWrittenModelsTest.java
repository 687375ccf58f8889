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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Models Keras 3.15.1 itself wrote and computed: the attention layers (JAX backend; the files
 * and outputs in {@code keras-written/keras3-attention}, written by its {@code make.py}): an
 * Embedding's mask through self-attention (Keras' fused path), cross-attention with dropout (its
 * Softmax path), an attention mask with a row all masked and the causal mask, attention over one
 * axis of a rank-4 input with the weights returned, the gate and sliding window, and Attention
 * (dot, concat) and AdditiveAttention with Masking's masks and the causal mask. Each read from its
 * .keras and its legacy .h5 predicts Keras' outputs.
 */
class KerasWrittenModelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"mha_embedding_mask", "mha_cross_causal", "mha_axes_scores", "mha_gate_window",
            "dense_attentions_masked"})
    void predictsKerasOutputs(String name) throws Exception {
        predictsKerasOutputs(TestData.own("keras3-attention").resolve(name), name);
    }

    /** The convolutional LSTMs as Keras 3.15.1 writes and computes them ({@code keras-written/keras3-convlstm}). */
    @ParameterizedTest
    @ValueSource(strings = {"convlstm2d_same_sequences", "convlstm2d_strided_backwards_states",
            "convlstm1d_dilated_channels_first", "convlstm3d_same_last"})
    void convLstmsPredictKerasOutputs(String name, @TempDir Path tmp) throws Exception {
        Path dir = TestData.own("keras3-convlstm").resolve(name);
        predictsKerasOutputs(dir, name);
        // and written back: tf.keras' .h5 and Keras 3's .keras read back to the same bits
        JsonNode expected = JSON.readTree(Files.readString(dir.resolve("expected.json")));
        List<Tensor> inputs = new ArrayList<>();
        try (Model m = Models.load(dir.resolve("model.keras"))) {
            for (JsonNode in : expected.get("inputs")) inputs.add(tensor(in));
            // Keras 3's hard_sigmoid gates have no tf.keras form: that save is refused (SaveRulesTest), .keras alone here
            boolean hardSigmoid = m.layer("clstm").getConfig().path("recurrent_activation").asText().equals("hard_sigmoid");
            RoundTrips.predictSame(m, tmp, inputs, hardSigmoid ? List.of("m.keras") : List.of("m.h5", "m.keras"));
        } finally {
            inputs.forEach(Tensor::close);
        }
    }

    /**
     * Recurrent layers and masks as Keras 3.15.1 writes and computes them ({@code
     * keras-written/keras3-recurrent}): an Embedding's mask through LSTM and GRU, Masking through a
     * Bidirectional LSTM into the masked mean, two masks merged by Add into a backwards SimpleRNN,
     * a seq2seq decoder started from the encoder's states, and a GRU without reset_after returning its state.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mask_lstm_gru", "masking_bidirectional_mean", "merged_masks_simple_rnn",
            "seq2seq_initial_state", "gru_reset_before_states", "mask_rules", "merge_masks_more",
            "bidirectional_states_decoder"})
    void recurrentModelsPredictKerasOutputs(String name) throws Exception {
        predictsKerasOutputs(TestData.own("keras3-recurrent").resolve(name), name);
    }

    /**
     * Keras' RNN layer over its cells as Keras 3.15.1 writes and computes it ({@code
     * keras-written/keras3-rnn-cells}): LSTMCell and GRUCell under an Embedding's mask, backwards;
     * an encoder's states starting a decoder, a Bidirectional RNN(GRUCell), a relu SimpleRNNCell;
     * StackedRNNCells of three classes under Masking, forward and backward. Each is written back as
     * tf.keras' .h5 and Keras 3's .keras in the RNN form and predicts the same bits.
     */
    @ParameterizedTest
    @ValueSource(strings = {"masked_cells", "states_bidirectional", "stacked_cells", "stacked_states",
            "stacked_initial_state"})
    void rnnCellsPredictKerasOutputs(String name, @TempDir Path tmp) throws Exception {
        writtenBack(TestData.own("keras3-rnn-cells").resolve(name), name, tmp, m -> {
            for (String file : List.of("m.h5", "m.keras")) {
                try (Model back = Models.load(tmp.resolve(file))) {
                    for (kdnn.layers.Layer l : back.layers()) {
                        if (l.name().startsWith("stack") || l.name().startsWith("rnn_")) {
                            assertEquals("RNN", l.className(), file + " " + l.name());
                        }
                    }
                }
            }
        });
    }

    /**
     * Keras 3's reductions as Keras 3.15.1 writes and computes them ({@code keras-written/keras3-reductions}):
     * a CBAM block (the mean and maximum over space into a shared MLP, over the channels into a 7x7
     * convolution), and the sum, minimum, product, mean and maximum over axes the global pooling
     * layers do not cover. Each is written back as tf.keras' .h5 (TFOpLambdas) and Keras 3's .keras
     * (operations) to the same bits.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cbam", "reductions", "pads", "matmul_attention", "clip_power", "math_functions"})
    void reductionsPredictKerasOutputs(String name, @TempDir Path tmp) throws Exception {
        writtenBack(TestData.own("keras3-reductions").resolve(name), name, tmp, m -> { });
    }

    /**
     * SpectralNormalization as Keras 3.15.1 writes and computes it after a training-mode call
     * ({@code keras-written/keras3-spectral}): a generator of normalized Dense and transposed
     * convolutions with batch norm, a discriminator of normalized convolutions, Dense and Embedding.
     * Each is written back as tf.keras' .h5 and Keras 3's .keras to the same bits, vector_u kept.
     */
    @ParameterizedTest
    @ValueSource(strings = {"generator", "discriminator"})
    void spectralNormalizationPredictsKerasOutputs(String name, @TempDir Path tmp) throws Exception {
        writtenBack(TestData.own("keras3-spectral").resolve(name), name, tmp, m -> {
            for (String file : List.of("m.h5", "m.keras")) {
                try (Model back = Models.load(tmp.resolve(file))) {
                    for (kdnn.layers.Layer l : m.layers()) {
                        assertEquals(l.getWeights(), back.layer(l.name()).getWeights(), file + " " + l.name());
                    }
                }
            }
        });
    }

    /**
     * EinsumDense as Keras 3.15.1 writes and computes it ({@code keras-written/keras3-einsum}): a
     * transformer's projections to heads and back, the left ellipsis with a softmax; a transposed
     * output with its bias along rows, a kernel with a batch axis, a summed input axis, the right
     * ellipsis, no bias. Each is written back as tf.keras' .h5 and Keras 3's .keras to the same bits.
     */
    @ParameterizedTest
    @ValueSource(strings = {"projections", "reordered"})
    void einsumDensePredictsKerasOutputs(String name, @TempDir Path tmp) throws Exception {
        writtenBack(TestData.own("keras3-einsum").resolve(name), name, tmp, m -> {
            // TF.js has no EinsumDense: that save is refused by name
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Models.save(m, tmp.resolve("tfjs")));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("EinsumDense"), e.getMessage());
        });
    }

    /**
     * The layers around the convolutions and Keras 3 operations as Keras 3.15.1 writes and computes
     * them ({@code keras-written/keras3-layers}): an image front (scaling, a channel flip, the
     * convolution families, group, layer and unit normalization, PReLU), an audio gated linear unit
     * (ops.split), video (TimeDistributed, Conv3D and its transpose, ops.mean, RMS and batch norm),
     * and preprocessing layers with a cosine Dot.
     */
    @ParameterizedTest
    @ValueSource(strings = {"image_front_norms", "audio_glu", "video_td_3d", "preprocessing_dot", "channels_first_3d",
            "text_cnn_adapted_norm", "keras3_ops", "preprocessing_pooling_more"})
    void layersPredictKerasOutputs(String name) throws Exception {
        predictsKerasOutputs(TestData.own("keras3-layers").resolve(name), name);
    }

    /**
     * Keras' model structures and activations as Keras 3.15.1 writes and computes them ({@code
     * keras-written/keras3-models}): a Sequential around a nested functional base shared by two
     * inputs with two outputs, Bidirectional GRUs in every merge mode and without one (states
     * returned), the shape layers with TimeDistributed and channels_first, and the activations.
     */
    @ParameterizedTest
    @ValueSource(strings = {"siamese_nested", "bidirectional_modes", "shapes_timedistributed", "activations",
            "sequential_classifier"})
    void modelsPredictKerasOutputs(String name) throws Exception {
        Path dir = TestData.own("keras3-models").resolve(name);
        predictsKerasOutputs(dir, name);
        // the bare config (model.to_json()) with the weights file (save_weights) predicts the same bits as the .keras
        JsonNode expected = JSON.readTree(Files.readString(dir.resolve("expected.json")));
        List<Tensor> inputs = new ArrayList<>();
        try (Model whole = Models.load(dir.resolve("model.keras"));
             Model parts = Models.load(dir.resolve("model.json"), dir.resolve("model.weights.h5"))) {
            for (JsonNode in : expected.get("inputs")) inputs.add(tensor(in));
            List<Tensor> a = whole.predict(inputs);
            List<Tensor> b = parts.predict(inputs);
            try {
                for (int k = 0; k < a.size(); k++) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), 0f);
            } finally {
                a.forEach(Tensor::close);
                b.forEach(Tensor::close);
            }
        } finally {
            inputs.forEach(Tensor::close);
        }
    }

    /**
     * Keras 3 writes the masks it derived as operations (NotEqual, Any, LogicalOr) passed as calls'
     * {@code mask}; kdnn leaves them out and derives the masks itself. Where it would derive none (the
     * Embedding's mask_zero turned off in the config), the file's mask is refused by name.
     */
    @org.junit.jupiter.api.Test
    void aMaskKdnnCannotDeriveIsRefused() throws Exception {
        Path file = TestData.own("keras3-recurrent").resolve("mask_lstm_gru").resolve("model.keras");
        JsonNode config;
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            config = JSON.readTree(zip.getInputStream(zip.getEntry("config.json")));
        }
        for (JsonNode l : config.path("config").path("layers")) {
            if (l.path("class_name").asText().equals("Embedding")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) l.get("config")).put("mask_zero", false);
            }
        }
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> kdnn.model.ModelConfigs.build(ConfigNormalizer.normalize(config, "config.json"),
                        (path, layer, expected) -> layer.getWeights()).close());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("\"lstm\" is passed a mask"), e.getMessage());
    }

    /**
     * Models TensorFlow.js 4 itself wrote and computed ({@code keras-written/tfjs4}, its {@code make.js}):
     * the convolution families with batch norm and pooling, an Embedding's mask through a Bidirectional
     * LSTM into a GRU, ConvLSTM2D (TF.js' hard_sigmoid default), and branches with PReLU and LeakyReLU.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cnn", "text_masked", "convlstm2d", "branches", "sequential_decoder", "rnn_cells"})
    void tfjsModelsPredictTheirOutputs(String name, @TempDir Path tmp) throws Exception {
        Path dir = TestData.own("tfjs4").resolve(name);
        JsonNode expected = JSON.readTree(Files.readString(dir.resolve("expected.json")));
        List<Tensor> inputs = new ArrayList<>();
        try (Model m = Models.load(dir.resolve("model.json"))) {
            for (JsonNode in : expected.get("inputs")) inputs.add(tensor(in));
            List<Tensor> got = m.predict(inputs);
            try {
                JsonNode outs = expected.get("outputs");
                for (int k = 0; k < outs.size(); k++) {
                    float[] want = floats(outs.get(k).get("values"));
                    float[] g = got.get(k).toFloatArray();
                    assertArrayEquals(longs(outs.get(k).get("shape")), got.get(k).shape(), name);
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], g[i], 2e-5 + 2e-5 * Math.abs(want[i]), name + " output " + k + " at " + i);
                    }
                }
            } finally {
                got.forEach(Tensor::close);
            }
            // written back as TF.js and as tf.keras .h5 (Keras 2 rules, as TF.js computes) to the same bits
            RoundTrips.predictSame(m, tmp, inputs, List.of("tfjs", "m.h5"));
            // TF.js refuses a separable convolution's kernel_* arguments: kdnn's TF.js file leaves them out (TF.js 4
            // reads kdnn's files of these four models to its own outputs exactly: make.js' models, checked by hand)
            for (JsonNode l : kdnn.model.ModelFiles.readModelJson(tmp.resolve("tfjs")).path("modelTopology").path("config")
                    .path("layers")) {
                if (l.path("class_name").asText().startsWith("SeparableConv")) {
                    org.junit.jupiter.api.Assertions.assertFalse(l.path("config").has("kernel_initializer"), l.toString());
                }
            }
        } finally {
            inputs.forEach(Tensor::close);
        }
    }

    /** A mask nothing reads (the residual Add's, passed on to a Dense head) is left out of the plan; the read one stays. */
    @org.junit.jupiter.api.Test
    void aMaskNothingReadsIsNotComputed() throws Exception {
        try (Model m = Models.load(TestData.own("keras3-attention").resolve("mha_embedding_mask").resolve("model.keras"))) {
            String plan = m.plan().toString();
            org.junit.jupiter.api.Assertions.assertTrue(plan.contains("emb (mask)"), plan);
            org.junit.jupiter.api.Assertions.assertFalse(plan.contains("res (mask)"), plan);
        }
    }

    /** What a test checks on a model after its round trips. */
    private interface ModelCheck {
        void check(Model m) throws Exception;
    }

    /**
     * {@code dir}'s model predicts Keras' outputs from its .keras and .h5, is written back as tf.keras'
     * .h5 and Keras 3's .keras into {@code tmp} to the same bits, and passes {@code then}.
     */
    private static void writtenBack(Path dir, String name, Path tmp, ModelCheck then) throws Exception {
        predictsKerasOutputs(dir, name);
        JsonNode expected = JSON.readTree(Files.readString(dir.resolve("expected.json")));
        List<Tensor> inputs = new ArrayList<>();
        try (Model m = Models.load(dir.resolve("model.keras"))) {
            for (JsonNode in : expected.get("inputs")) inputs.add(tensor(in));
            RoundTrips.predictSame(m, tmp, inputs, List.of("m.h5", "m.keras"));
            then.check(m);
        } finally {
            inputs.forEach(Tensor::close);
        }
    }

    /** Reads {@code dir}'s model.keras and model.h5 and compares their predictions with Keras' outputs. */
    static void predictsKerasOutputs(Path dir, String name) throws Exception {
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
