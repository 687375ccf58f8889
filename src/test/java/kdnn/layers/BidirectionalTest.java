package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.reference.ReferenceRecurrent;
import org.junit.jupiter.api.Test;

/**
 * Keras' Bidirectional against its definition: the layer forward, its copy backward with the
 * backward sequence put back in step order, joined by each merge mode; the forward weights first.
 */
class BidirectionalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': 'Bidirectional', 'config': " + config + "}")
                .replace('\'', '"')));
    }

    @Test
    void eachMergeModeAsKerasComputesIt() throws Exception {
        Random r = new Random(7);
        // {class, other arguments, reference cell, gates' activation}: oneDNN's cells, then Keras 2's hard_sigmoid
        // gates as Keras' formulas in Java
        String[][] cells = {{"LSTM", "", "LSTM", "sigmoid"}, {"GRU", "", "GRU", "sigmoid"},
            {"GRU", ", 'reset_after': false", "GRU_RESET_BEFORE", "sigmoid"}, {"SimpleRNN", "", "SIMPLE_RNN", "sigmoid"},
            {"LSTM", ", 'recurrent_activation': 'hard_sigmoid'", "LSTM", "hard_sigmoid"},
            {"GRU", ", 'recurrent_activation': 'hard_sigmoid'", "GRU", "hard_sigmoid"}};
        for (String[] cell : cells) {
            for (String merge : new String[] {"concat", "sum", "mul", "ave"}) {
                for (boolean sequences : new boolean[] {true, false}) {
                    int batch = 2;
                    int steps = 1 + r.nextInt(5);
                    int features = 1 + r.nextInt(4);
                    int units = 1 + r.nextInt(4);
                    String config = "{'name': 'bi', 'merge_mode': '" + merge + "', 'layer': {'class_name': '" + cell[0]
                            + "', 'config': {'name': 'rnn', 'units': " + units + ", 'return_sequences': " + sequences
                            + cell[1] + "}}}";
                    try (Layer l = layer(config)) {
                        l.build(new long[] {-1, steps, features});
                        List<Weight> ws = RecurrentTest.randomWeights(l, r, 0.5);
                        float[] x = new float[batch * steps * features];
                        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                        ReferenceRecurrent.Cell c = ReferenceRecurrent.Cell.valueOf(cell[2]);
                        int half = ws.size() / 2;
                        float[] fwd = ReferenceRecurrent.run(c, "tanh", cell[3], x, batch, steps, features, units, ws.get(0).values(),
                                ws.get(1).values(), ws.get(2).values(), sequences, false);
                        float[] bwd = ReferenceRecurrent.run(c, "tanh", cell[3], x, batch, steps, features, units,
                                ws.get(half).values(), ws.get(half + 1).values(), ws.get(half + 2).values(), sequences, true);
                        if (sequences) bwd = stepOrder(bwd, batch, steps, units);
                        float[] want = merged(merge, fwd, bwd, units);
                        try (Tensor in = Tensor.of(x, batch, steps, features); Tensor y = l.call(in)) {
                            int width = merge.equals("concat") ? 2 * units : units;
                            assertArrayEquals(sequences ? new long[] {batch, steps, width} : new long[] {batch, width},
                                    y.shape());
                            float[] got = y.toFloatArray();
                            for (int i = 0; i < got.length; i++) {
                                assertEquals(want[i], got[i], 3e-5 + 3e-5 * Math.abs(want[i]), cell[0] + " " + merge
                                        + " sequences " + sequences + " value " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * A layer given with go_backwards=True: Keras runs it from the last step and leaves its sequence
     * in that order, and runs its copy from the first step and flips that one's. Its config keeps
     * go_backwards; a backward_layer given must then run forward.
     */
    @Test
    void aLayerGoingBackwardsRunsFromTheLastStepAndItsCopyFromTheFirst() throws Exception {
        Random r = new Random(17);
        for (String merge : new String[] {"concat", "sum", "mul", "ave"}) {
            for (boolean sequences : new boolean[] {true, false}) {
                int batch = 2;
                int steps = 2 + r.nextInt(5);
                int features = 1 + r.nextInt(4);
                int units = 1 + r.nextInt(4);
                String rnn = "'units': " + units + ", 'return_sequences': " + sequences;
                String config = "{'name': 'bi', 'merge_mode': '" + merge + "', 'layer': {'class_name': 'GRU', 'config':"
                        + " {'name': 'gru', " + rnn + ", 'go_backwards': true}}}";
                String given = "{'name': 'bi', 'merge_mode': '" + merge + "', 'layer': {'class_name': 'GRU', 'config':"
                        + " {'name': 'gru', " + rnn + ", 'go_backwards': true}}, 'backward_layer': {'class_name': 'GRU',"
                        + " 'config': {'name': 'back', " + rnn + "}}}";
                try (Layer l = layer(config); Layer g = layer(given)) {
                    l.build(new long[] {-1, steps, features});
                    g.build(new long[] {-1, steps, features});
                    List<Weight> ws = RecurrentTest.randomWeights(l, r, 0.5);
                    g.setWeights(ws);
                    assertTrue(Layers.toConfig(l).path("config").path("layer").path("config").path("go_backwards").asBoolean());
                    assertTrue(!Layers.toConfig(g).path("config").path("backward_layer").path("config").path("go_backwards")
                            .asBoolean(true));
                    float[] x = new float[batch * steps * features];
                    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                    int half = ws.size() / 2;
                    ReferenceRecurrent.Cell c = ReferenceRecurrent.Cell.GRU;
                    float[] fwd = ReferenceRecurrent.run(c, "tanh", "sigmoid", x, batch, steps, features, units,
                            ws.get(0).values(), ws.get(1).values(), ws.get(2).values(), sequences, true);
                    float[] bwd = ReferenceRecurrent.run(c, "tanh", "sigmoid", x, batch, steps, features, units,
                            ws.get(half).values(), ws.get(half + 1).values(), ws.get(half + 2).values(), sequences, false);
                    if (sequences) bwd = stepOrder(bwd, batch, steps, units);
                    float[] want = merged(merge, fwd, bwd, units);
                    try (Layer back = Layers.fromConfig(Layers.toConfig(l))) {
                        back.build(new long[] {-1, steps, features});
                        back.setWeights(ws);
                        for (Layer each : List.of(l, g, back)) {
                            try (Tensor in = Tensor.of(x, batch, steps, features); Tensor y = each.call(in)) {
                                float[] got = y.toFloatArray();
                                for (int i = 0; i < got.length; i++) {
                                    assertEquals(want[i], got[i], 3e-5 + 3e-5 * Math.abs(want[i]), merge + " sequences "
                                            + sequences + " value " + i);
                                }
                            }
                        }
                    }
                }
            }
        }
        var e = assertThrows(IllegalArgumentException.class, () -> layer("{'layer': {'class_name': 'LSTM', 'config':"
                + " {'units': 2, 'go_backwards': true}}, 'backward_layer': {'class_name': 'LSTM', 'config': {'units': 2,"
                + " 'go_backwards': true}}}").close());
        assertTrue(e.getMessage().contains("different `go_backwards`"), e.getMessage());
    }

    /** The backward layer's outputs (in the order it computed them) back in step order, as Keras flips them. */
    private static float[] stepOrder(float[] y, int batch, int steps, int units) {
        float[] out = new float[y.length];
        for (int n = 0; n < batch; n++) {
            for (int t = 0; t < steps; t++) {
                System.arraycopy(y, (n * steps + steps - 1 - t) * units, out, (n * steps + t) * units, units);
            }
        }
        return out;
    }

    private static float[] merged(String mode, float[] a, float[] b, int units) {
        if (mode.equals("concat")) {
            float[] out = new float[2 * a.length];
            for (int row = 0; row < a.length / units; row++) {
                System.arraycopy(a, row * units, out, 2 * row * units, units);
                System.arraycopy(b, row * units, out, (2 * row + 1) * units, units);
            }
            return out;
        }
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = switch (mode) {
                case "sum" -> a[i] + b[i];
                case "mul" -> a[i] * b[i];
                default -> (a[i] + b[i]) / 2;
            };
        }
        return out;
    }

    @Test
    void configsWeightsAndRefusals() throws Exception {
        try (Layer l = layer("{'name': 'bi', 'layer': {'class_name': 'LSTM', 'config': {'name': 'lstm', 'units': 3}}}");
             Layer back = Layers.fromConfig(Layers.toConfig(l))) {
            l.build(new long[] {-1, 4, 2});
            assertEquals(6, l.getWeights().size());
            assertEquals("forward_lstm", ((Bidirectional) l).forwardLayer().name());
            assertEquals("backward_lstm", ((Bidirectional) l).backwardLayer().name());
            assertEquals("lstm", Layers.toConfig(l).path("config").path("layer").path("config").path("name").asText());
            assertEquals("concat", Layers.toConfig(back).path("config").path("merge_mode").asText());
        }
        String[][] cases = {{"{'layer': {'class_name': 'LSTM', 'config': {'units': 2}}, 'merge_mode': 'max'}", "Invalid merge mode"},
            {"{'layer': {'class_name': 'Dense', 'config': {'units': 2}}}", "recurrent layer"},
            {"{'layer': 'lstm'}", "a recurrent layer's config"}, // found by HostilePreprocessingProperties
            {"{'layer': {'class_name': 'LSTM', 'config': {'units': 2}}, 'backward_layer': {'class_name': 'LSTM',"
                    + " 'config': {'units': 2}}}", "different `go_backwards`"},
            {"{'layer': {'class_name': 'LSTM', 'config': {'units': 2}}, 'backward_layer': {'class_name': 'GRU',"
                    + " 'config': {'units': 2, 'go_backwards': true}}}", "backward_layer"}};
        for (String[] c : cases) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0]).close(), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    /**
     * Keras 3 saves the forward copy (named forward_<name>, {@code zero_output_for_mask} forced to
     * {@code return_sequences}) and always the backward layer; tf.keras the layer as given. Both
     * forms read as the same layer and compute the same.
     */
    @Test
    void keras3AndTfKerasFormsReadAlike() throws Exception {
        String lstm = "'units': 3, 'return_sequences': true, 'kernel_initializer': {'class_name': 'GlorotUniform', 'config':"
                + " {'seed': 1}}, 'recurrent_initializer': {'class_name': 'Orthogonal', 'config': {'gain': 1.0, 'seed': 2}}";
        String keras3 = "{'name': 'bi', 'merge_mode': 'concat', 'layer': {'module': 'keras.layers', 'class_name': 'LSTM',"
                + " 'config': {'name': 'forward_lstm', " + lstm + ", 'zero_output_for_mask': true, 'seed': null},"
                + " 'registered_name': null, 'build_config': {'input_shape': [null, 4, 2]}}, 'backward_layer': {'module':"
                + " 'keras.layers', 'class_name': 'LSTM', 'config': {'name': 'backward_lstm', " + lstm + ", 'go_backwards':"
                + " true, 'zero_output_for_mask': true, 'seed': null}, 'registered_name': null, 'build_config':"
                + " {'input_shape': [null, 4, 2]}}}";
        String tfKeras = "{'name': 'bi', 'layer': {'class_name': 'LSTM', 'config': {'name': 'lstm', " + lstm + "}}}";
        try (Layer a = Layers.fromConfig(JSON.readTree(("{'class_name': 'Bidirectional', 'config': " + keras3 + "}")
                .replace('\'', '"')), KerasVersion.KERAS_3); Layer b = layer(tfKeras)) {
            for (Layer l : List.of(a, b)) {
                assertEquals("forward_lstm", ((Bidirectional) l).forwardLayer().name());
                assertEquals("backward_lstm", ((Bidirectional) l).backwardLayer().name());
                l.build(new long[] {-1, 4, 2});
            }
            b.setWeights(a.getWeights());
            float[] x = new float[2 * 4 * 2];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
            try (Tensor in = Tensor.of(x, 2, 4, 2); Tensor ya = a.call(in); Tensor yb = b.call(in)) {
                assertArrayEquals(ya.toFloatArray(), yb.toFloatArray(), 0f);
            }
        }
    }
}
