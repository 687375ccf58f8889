package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.InputLayer;
import kdnn.layers.KerasVersion;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.model.Functional;
import kdnn.model.KerasTensor;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models carrying Keras' mask from {@code Embedding(mask_zero=True)} or {@code Masking}: the mask
 * reaches the recurrent layers and GlobalAveragePooling1D through the layers that pass it,
 * merges combine it by their Keras version's rule, layers that do not support masking stop it,
 * and what kdnn cannot compute as Keras does is refused when the model is made. Each model's
 * prediction equals its layers called one by one with the mask Keras computes, written out here.
 */
class MaskedModelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String cls, String config, KerasVersion version) throws Exception {
        String json = ("{'class_name': '" + cls + "', 'config': " + config + "}").replace('\'', '"');
        return Layers.fromConfig(JSON.readTree(json), version);
    }

    private static Layer layer(String cls, String config) throws Exception {
        return layer(cls, config, KerasVersion.KERAS_2);
    }

    /** Token ids with padding: sample 0 padded before (pad_sequences' default), 1 after, 2 in the middle, 3 all padding. */
    private static float[] ids(int batch, int steps, int vocabulary) {
        float[] v = new float[batch * steps];
        for (int n = 0; n < batch; n++) {
            for (int t = 0; t < steps; t++) {
                boolean pad = switch (n % 4) {
                    case 0 -> t < 3;
                    case 1 -> t >= steps - 2;
                    case 2 -> t == 2 || t == 3;
                    default -> true;
                };
                v[n * steps + t] = pad ? 0 : 1 + (n * 7 + t * 3) % (vocabulary - 1);
            }
        }
        return v;
    }

    private static float[] notZero(float[] ids) {
        float[] m = new float[ids.length];
        for (int i = 0; i < ids.length; i++) m[i] = ids[i] != 0 ? 1 : 0;
        return m;
    }

    /** Calls each layer in turn, closing what it made; the last tensor is returned open. */
    private static Tensor chain(Tensor in, Tensor mask, List<Layer> layers, List<Boolean> readsMask) {
        Tensor t = in;
        List<Tensor> made = new ArrayList<>();
        try {
            for (int i = 0; i < layers.size(); i++) {
                t = readsMask.get(i) && mask != null ? layers.get(i).callAll(List.of(t), mask).get(0) : layers.get(i).call(t);
                made.add(t);
            }
            made.remove(t);
            return t;
        } finally {
            made.forEach(Tensor::close);
        }
    }

    /** The text classifier of Keras' tutorials: Embedding(mask_zero) -> Dropout -> LSTM -> Dense -> GRU -> Dense. */
    @Test
    void anEmbeddingsMaskReachesTheRecurrentLayers(@TempDir Path dir) throws Exception {
        String config = ("""
                {'class_name': 'Sequential', 'config': {'name': 'text', 'layers': [
                 {'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 8], 'dtype': 'int32', 'name': 'ids'}},
                 {'class_name': 'Embedding', 'config': {'name': 'emb', 'input_dim': 12, 'output_dim': 5, 'mask_zero': true,
                  'embeddings_initializer': {'class_name': 'RandomNormal', 'config': {'seed': 1}}}},
                 {'class_name': 'Dropout', 'config': {'name': 'drop', 'rate': 0.3}},
                 {'class_name': 'LSTM', 'config': {'name': 'lstm', 'units': 4, 'return_sequences': true,
                  'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 2}},
                  'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': 3}}}},
                 {'class_name': 'Dense', 'config': {'name': 'per_step', 'units': 3, 'activation': 'tanh'}},
                 {'class_name': 'GRU', 'config': {'name': 'gru', 'units': 3, 'reset_after': false,
                  'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': 4}}}},
                 {'class_name': 'Dense', 'config': {'name': 'out', 'units': 2, 'activation': 'softmax'}}]}}
                """).replace('\'', '"');
        float[] ids = ids(4, 8, 12);
        try (Model m = ModelConfigs.build(JSON.readTree(config), (path, layer, expected) -> layer.getWeights());
             Tensor in = Tensor.of(ids, 4, 8); Tensor mask = Tensor.of(notZero(ids), 4, 8); Tensor y = m.predict(in)) {
            List<Layer> layers = List.of(m.layer("emb"), m.layer("lstm"), m.layer("per_step"), m.layer("gru"), m.layer("out"));
            try (Tensor want = chain(in, mask, layers, List.of(false, true, false, true, false));
                 Tensor unmasked = chain(in, null, layers, List.of(false, false, false, false, false))) {
                assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 0f);
                assertFalse(Arrays.equals(unmasked.toFloatArray(), y.toFloatArray()), "the mask changes the prediction");
            }
            assertEquals(List.of("drop", "lstm", "per_step", "gru"), m.layersGivenMasks().stream().map(Layer::name).toList());
            assertTrue(m.plan(new long[] {4, 8}).contains("emb (mask)"), m.plan(new long[] {4, 8}));
            Fixtures.everyFormat(m, dir, in, (file, back, got) -> assertTrue(
                    Layers.toConfig(back.layer("emb")).get("config").get("mask_zero").asBoolean(), file));
        }
    }

    /** Masking zeroes the masked steps and masks them; a Bidirectional LSTM and a masked mean read the mask. */
    @Test
    void maskingBidirectionalAndAMaskedMean(@TempDir Path dir) throws Exception {
        KerasTensor x = KerasTensor.input("x", -1, 6, 3);
        Layer masking = layer("Masking", "{'name': 'masking', 'mask_value': -1.0}");
        Layer bi = layer("Bidirectional", "{'name': 'bi', 'layer': {'class_name': 'LSTM', 'config': {'name': 'lstm',"
                + " 'units': 4, 'return_sequences': true, 'bias_initializer': {'class_name': 'RandomNormal', 'config':"
                + " {'seed': 5}}}}}");
        Layer mean = layer("GlobalAveragePooling1D", "{'name': 'mean'}");
        Layer out = layer("Dense", "{'name': 'out', 'units': 2}");
        KerasTensor y = out.apply(mean.apply(bi.apply(masking.apply(x))));
        float[] v = new float[3 * 6 * 3];
        float[] mask = new float[3 * 6];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i * 0.7);
        for (int s = 0; s < 3 * 6; s++) {
            boolean masked = s % 6 >= 4 || s == 7; // the last two steps of each sample, and step 1 of sample 1
            if (s == 9) v[s * 3 + 1] = -1; // one feature at the mask value: the step still counts
            if (masked) for (int f = 0; f < 3; f++) v[s * 3 + f] = -1;
            mask[s] = masked ? 0 : 1;
        }
        try (Functional m = Functional.of("seq", List.of(x), List.of(y)); Tensor in = Tensor.of(v, 3, 6, 3);
             Tensor mk = Tensor.of(mask, 3, 6); Tensor got = m.predict(in);
             Tensor want = chain(in, mk, List.of(masking, bi, mean, out), List.of(false, true, true, false));
             Tensor masked = masking.call(in)) {
            assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 0f);
            float[] mv = masked.toFloatArray();
            for (int i = 0; i < mv.length; i++) assertEquals(mask[i / 3] == 0 ? 0f : v[i], mv[i], 0f, "Masking at " + i);
            // tf.keras' masked mean multiplies by the mask (a masked NaN gives NaN), Keras 3's leaves masked steps out
            for (String file : List.of("m.h5", "tfjs")) {
                Models.save(m, dir.resolve(file));
                try (Model back = Models.load(dir.resolve(file)); Tensor again = back.predict(in)) {
                    assertArrayEquals(got.toFloatArray(), again.toFloatArray(), 0f, file);
                    assertEquals(-1.0, Layers.toConfig(back.layer("masking")).get("config").get("mask_value").asDouble());
                }
            }
            var refused = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("m.keras")));
            assertTrue(refused.getMessage().contains("layer \"mean\" (GlobalAveragePooling1D) is given a mask"),
                    refused.getMessage());
        }
    }

    /**
     * A mask made inside a nested model reaches the layers after it: Keras keeps it on the nested
     * model's output tensor (tf.keras' Functional.compute_mask, Keras 3's _keras_mask), and kdnn's
     * plan is the flat graph.
     */
    @Test
    void aMaskLeavesANestedModel(@TempDir Path dir) throws Exception {
        Layer emb = layer("Embedding", "{'name': 'emb', 'input_dim': 12, 'output_dim': 4, 'mask_zero': true}");
        Layer lstm = layer("LSTM", "{'name': 'lstm', 'units': 3}");
        try (kdnn.model.Sequential front = kdnn.model.Sequential.of("front", List.of(emb), -1, 8)) {
            KerasTensor ids = KerasTensor.input("ids", -1, 8);
            KerasTensor y = lstm.apply(front.apply(ids).get(0));
            float[] v = ids(4, 8, 12);
            try (Functional m = Functional.of("outer", List.of(ids), List.of(y)); Tensor in = Tensor.of(v, 4, 8);
                 Tensor mask = Tensor.of(notZero(v), 4, 8); Tensor got = m.predict(in);
                 Tensor want = chain(in, mask, List.of(emb, lstm), List.of(false, true))) {
                assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 0f);
                assertEquals(List.of("lstm"), m.layersGivenMasks().stream().map(Layer::name).toList());
                for (String file : List.of("m.h5", "m.keras")) {
                    Models.save(m, dir.resolve(file));
                    try (Model back = Models.load(dir.resolve(file)); Tensor again = back.predict(in)) {
                        assertArrayEquals(want.toFloatArray(), again.toFloatArray(), 0f, file);
                    }
                }
            }
        }
    }

    /** A Conv1D does not support masking: after it the LSTM sees every step, as without a mask. */
    @Test
    void aLayerWithoutMaskingStopsTheMask() throws Exception {
        KerasTensor ids = KerasTensor.input(InputLayer.of("ids", "int32", -1, 8));
        Layer emb = layer("Embedding", "{'name': 'emb', 'input_dim': 12, 'output_dim': 4, 'mask_zero': true}");
        Layer conv = layer("Conv1D", "{'name': 'conv', 'filters': 3, 'kernel_size': 3, 'padding': 'same'}");
        Layer lstm = layer("LSTM", "{'name': 'lstm', 'units': 2}");
        KerasTensor y = lstm.apply(conv.apply(emb.apply(ids)));
        float[] v = ids(4, 8, 12);
        try (Functional m = Functional.of("cnn", List.of(ids), List.of(y)); Tensor in = Tensor.of(v, 4, 8);
             Tensor got = m.predict(in); Tensor want = chain(in, null, List.of(emb, conv, lstm), List.of(false, false, false))) {
            assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 0f);
            assertEquals(List.of("conv"), m.layersGivenMasks().stream().map(Layer::name).toList());
        }
    }

    /**
     * Two masked sequences merged: tf.keras keeps a step both masks keep (Add) and Keras 3 one
     * that either keeps; Concatenate along the steps joins the masks, along the features reduces them.
     */
    @Test
    void mergesCombineMasksByTheirKerasVersionsRule() throws Exception {
        for (KerasVersion version : KerasVersion.values()) {
            for (String merge : List.of("Add", "Average", "Concatenate1", "Concatenate-1")) {
                KerasTensor a = KerasTensor.input(InputLayer.of("a", "int32", -1, 8));
                KerasTensor b = KerasTensor.input(InputLayer.of("b", "int32", -1, 8));
                Layer ea = layer("Embedding", "{'name': 'ea', 'input_dim': 12, 'output_dim': 3, 'mask_zero': true}", version);
                Layer eb = layer("Embedding", "{'name': 'eb', 'input_dim': 12, 'output_dim': 3, 'mask_zero': true}", version);
                Layer join = merge.startsWith("Concatenate")
                        ? layer("Concatenate", "{'name': 'join', 'axis': " + merge.substring(11) + "}", version)
                        : layer(merge, "{'name': 'join'}", version);
                Layer gru = layer("GRU", "{'name': 'gru', 'units': 2, 'return_sequences': true}", version);
                KerasTensor y = gru.apply(join.apply(ea.apply(a), eb.apply(b)));
                float[] va = ids(4, 8, 12);
                float[] vb = new float[va.length];
                for (int i = 0; i < vb.length; i++) vb[i] = va[(i + 3) % va.length];
                float[] ma = notZero(va);
                float[] mb = notZero(vb);
                boolean keras3 = version == KerasVersion.KERAS_3;
                boolean alongSteps = merge.equals("Concatenate1");
                int steps = alongSteps ? 16 : 8;
                float[] mask = new float[4 * steps];
                for (int n = 0; n < 4; n++) {
                    for (int t = 0; t < steps; t++) {
                        boolean keep;
                        if (alongSteps) {
                            keep = t < 8 ? ma[n * 8 + t] != 0 : mb[n * 8 + t - 8] != 0;
                        } else {
                            boolean x = ma[n * 8 + t] != 0;
                            boolean z = mb[n * 8 + t] != 0;
                            keep = keras3 ? x || z : x && z;
                        }
                        mask[n * steps + t] = keep ? 1 : 0;
                    }
                }
                try (Functional m = Functional.of("two", List.of(a, b), List.of(y)); Tensor ta = Tensor.of(va, 4, 8);
                     Tensor tb = Tensor.of(vb, 4, 8); Tensor mk = Tensor.of(mask, 4, steps);
                     Tensor got = m.predict(List.of(ta, tb)).get(0); Tensor xa = ea.call(ta); Tensor xb = eb.call(tb);
                     Tensor joined = join.call(List.of(xa, xb)); Tensor want = gru.callAll(List.of(joined), mk).get(0)) {
                    assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 0f, version + " " + merge);
                }
            }
        }
    }

    /** Where Keras uses a mask as kdnn does not, the model is refused when it is made, naming the layer. */
    @Test
    void refusedWhereKerasUsesTheMaskOtherwise() throws Exception {
        String[][] cases = {
            {"Softmax", "{'name': 'soft'}", "KERAS_2", "Softmax) is given a mask"},
            {"Multiply", "", "KERAS_3", "Keras 3's Multiply leaves masked values out"},
            {"GroupNormalization", "{'name': 'gn', 'groups': 1}", "KERAS_2", "tf.keras' GroupNormalization computes its"}};
        for (String[] c : cases) {
            KerasVersion version = KerasVersion.valueOf(c[2]);
            KerasTensor ids = KerasTensor.input(InputLayer.of("ids", "int32", -1, 8));
            Layer emb = layer("Embedding", "{'name': 'emb', 'input_dim': 12, 'output_dim': 4, 'mask_zero': true}", version);
            KerasTensor e = emb.apply(ids);
            KerasTensor y = c[1].isEmpty() ? layer(c[0], "{'name': 'm'}", version).apply(e, e)
                    : layer(c[0], c[1], version).apply(e);
            var x = assertThrows(IllegalArgumentException.class, () -> Functional.of("refused", List.of(ids), List.of(y)));
            assertTrue(x.getMessage().contains(c[3]), x.getMessage());
        }
    }

    /** A tf.keras Add of masked inputs would compute another mask in Keras 3: not written to .keras. */
    @Test
    void aMergeOfMasksIsNotWrittenAcrossVersions(@TempDir Path dir) throws Exception {
        KerasTensor ids = KerasTensor.input(InputLayer.of("ids", "int32", -1, 8));
        Layer ea = layer("Embedding", "{'name': 'ea', 'input_dim': 12, 'output_dim': 3, 'mask_zero': true}");
        Layer eb = layer("Embedding", "{'name': 'eb', 'input_dim': 12, 'output_dim': 3, 'mask_zero': true}");
        Layer add = layer("Add", "{'name': 'add'}");
        KerasTensor y = layer("LSTM", "{'name': 'lstm', 'units': 2}").apply(add.apply(ea.apply(ids), eb.apply(ids)));
        try (Functional m = Functional.of("sum", List.of(ids), List.of(y))) {
            Models.save(m, dir.resolve("m.h5"));
            var x = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("m.keras")));
            assertTrue(x.getMessage().contains("layer \"add\" (Add) is given a mask"), x.getMessage());
        }
    }
}
