package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.reference.ReferenceRecurrent;
import org.junit.jupiter.api.Test;

/**
 * Keras' RNN layer over its cells: one cell is its layer ({@code RNN(LSTMCell)} computes and
 * weighs what {@code LSTM} does, saved back in the RNN form); a StackedRNNCells against Keras'
 * stacked step written out in double (each step through every cell, in the order the steps run);
 * what kdnn cannot compute is refused by name.
 */
class RnnCellsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer rnn(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': 'RNN', 'config': " + config + "}").replace('\'', '"')));
    }

    private static String cell(String cls, String config) {
        return "{'class_name': '" + cls + "', 'config': " + config + "}";
    }

    @Test
    void oneCellIsItsLayer() throws Exception {
        Random r = new Random(5);
        String[][] kinds = {{"LSTMCell", "LSTM", "{'units': 3, 'name': 'c'}"},
            {"GRUCell", "GRU", "{'units': 3, 'reset_after': false}"},
            {"SimpleRNNCell", "SimpleRNN", "{'units': 3, 'activation': 'relu'}"}};
        for (String[] k : kinds) {
            String rnnArgs = "'return_sequences': true, 'go_backwards': true";
            try (Layer viaCell = rnn("{'name': 'r', " + rnnArgs + ", 'cell': " + cell(k[0], k[2]) + "}");
                 Layer layer = Layers.fromConfig(JSON.readTree(("{'class_name': '" + k[1] + "', 'config': "
                         + k[2].replace("'name': 'c'", "'name': 'l'").replace("}", ", " + rnnArgs + "}") + "}")
                         .replace('\'', '"')))) {
                assertEquals("RNN", viaCell.className());
                viaCell.build(-1, 5, 4);
                layer.build(-1, 5, 4);
                layer.setWeights(RecurrentTest.randomWeights(viaCell, r, 0.6));
                float[] x = new float[2 * 5 * 4];
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                try (Tensor in = Tensor.of(x, 2, 5, 4); Tensor a = viaCell.call(in); Tensor b = layer.call(in)) {
                    assertArrayEquals(b.toFloatArray(), a.toFloatArray(), 0f, k[0]);
                }
                // saved as Keras writes it: the RNN's own arguments, the cell's beside them under its name
                JsonNode c = viaCell.getConfig();
                assertTrue(c.path("return_sequences").asBoolean() && c.path("go_backwards").asBoolean(), c.toString());
                assertEquals(k[0], c.path("cell").path("class_name").asText());
                assertEquals(3, c.path("cell").path("config").path("units").asInt());
                assertTrue(!c.has("units") && !c.path("cell").path("config").has("return_sequences"), c.toString());
                if (k[0].equals("LSTMCell")) assertEquals("c", c.path("cell").path("config").path("name").asText());
                try (Layer back = Layers.fromConfig(Layers.toConfig(viaCell))) {
                    assertEquals(Layers.toConfig(viaCell), Layers.toConfig(back));
                }
            }
        }
    }

    @Test
    void stackedCellsAsKerasStepsThem() throws Exception {
        Random r = new Random(11);
        String[] classes = {"LSTMCell", "GRUCell", "SimpleRNNCell"};
        for (int trial = 0; trial < 24; trial++) {
            int depth = 1 + r.nextInt(3);
            int batch = 1 + r.nextInt(3);
            int steps = 1 + r.nextInt(6);
            int features = 1 + r.nextInt(4);
            boolean sequences = r.nextBoolean();
            boolean backwards = r.nextBoolean();
            List<String> kinds = new ArrayList<>();
            List<Integer> units = new ArrayList<>();
            StringBuilder cells = new StringBuilder();
            for (int i = 0; i < depth; i++) {
                kinds.add(classes[r.nextInt(classes.length)]);
                units.add(1 + r.nextInt(4));
                String extra = kinds.get(i).equals("GRUCell") && r.nextBoolean() ? ", 'reset_after': false" : "";
                if (i > 0) cells.append(", ");
                cells.append(cell(kinds.get(i), "{'units': " + units.get(i) + extra + "}"));
            }
            String config = "{'return_sequences': " + sequences + ", 'go_backwards': " + backwards + ", 'cell': "
                    + cell("StackedRNNCells", "{'cells': [" + cells + "]}") + "}";
            try (Layer l = rnn(config)) {
                l.build(-1, steps, features);
                List<Weight> ws = RecurrentTest.randomWeights(l, r, 0.6);
                float[] x = new float[batch * steps * features];
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                // Keras steps every cell at each step, in the order the steps run: each cell's layer forward over
                // that order, every step's output passed on; the last gives Keras' output (its order too)
                float[] seq = backwards ? reversed(x, batch, steps, features) : x;
                int in = features;
                int w = 0;
                for (int i = 0; i < depth; i++) {
                    boolean last = i == depth - 1;
                    List<Weight> cellWeights = ((StackedRNN) l).cellLayers().get(i).getWeights();
                    boolean gruAfter = kinds.get(i).equals("GRUCell") && cellWeights.get(2).shape().length == 2;
                    ReferenceRecurrent.Cell cell = switch (kinds.get(i)) {
                        case "LSTMCell" -> ReferenceRecurrent.Cell.LSTM;
                        case "GRUCell" -> gruAfter ? ReferenceRecurrent.Cell.GRU : ReferenceRecurrent.Cell.GRU_RESET_BEFORE;
                        default -> ReferenceRecurrent.Cell.SIMPLE_RNN;
                    };
                    seq = ReferenceRecurrent.run(cell, "tanh", "sigmoid", seq, batch, steps, in, units.get(i),
                            ws.get(w).values(), ws.get(w + 1).values(), ws.get(w + 2).values(), !last || sequences, false);
                    w += 3;
                    in = units.get(i);
                }
                try (Tensor input = Tensor.of(x, batch, steps, features); Tensor y = l.call(input)) {
                    int out = units.get(depth - 1);
                    assertArrayEquals(sequences ? new long[] {batch, steps, out} : new long[] {batch, out}, y.shape());
                    float[] got = y.toFloatArray();
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(seq[i], got[i], 3e-5 + 3e-5 * Math.abs(seq[i]), config + " value " + i);
                    }
                }
                try (Layer back = Layers.fromConfig(Layers.toConfig(l))) {
                    assertEquals(Layers.toConfig(l), Layers.toConfig(back));
                }
            }
        }
    }

    private static float[] reversed(float[] x, int batch, int steps, int features) {
        float[] out = new float[x.length];
        for (int n = 0; n < batch; n++) {
            for (int t = 0; t < steps; t++) {
                System.arraycopy(x, (n * steps + t) * features, out, (n * steps + steps - 1 - t) * features, features);
            }
        }
        return out;
    }

    @Test
    void whatKdnnCannotComputeIsRefusedByName() throws Exception {
        String lstm = cell("LSTMCell", "{'units': 2}");
        String[][] cases = {{"{'return_sequences': true}", "`cell`"},
            {"{'cell': " + cell("PeepholeLSTMCell", "{'units': 2}") + "}", "PeepholeLSTMCell"},
            {"{'cell': " + lstm + ", 'units': 3}", "'units'"},
            {"{'cell': " + cell("LSTMCell", "{'units': 2, 'go_backwards': true}") + "}", "'go_backwards'"},
            {"{'cell': " + lstm + ", 'stateful': true}", "stateful"},
            {"{'cell': " + lstm + ", 'num_constants': 1}", "num_constants"},
            {"{'cell': 'lstm'}", "cell"},
            {"{'cell': " + cell("StackedRNNCells", "{'cells': []}") + "}", "cells"}};
        for (String[] c : cases) {
            var e = assertThrows(IllegalArgumentException.class, () -> rnn(c[0]).close(), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        // TF.js' form: the cell's arguments repeated beside it are read; another value there is refused
        try (Layer l = rnn("{'units': 2, 'cell': " + lstm + "}")) {
            assertEquals(2, ((BaseRecurrent) l).units());
        }
        // a stack's initial states are every cell's, in order: an LSTM cell takes h and c
        try (Layer l = rnn("{'cell': " + cell("StackedRNNCells", "{'cells': [" + lstm + "]}") + "}");
             Tensor x = Tensor.of(new float[12], 1, 3, 4); Tensor h = Tensor.of(new float[2], 1, 2)) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.callAll(List.of(x, h)));
            assertTrue(e.getMessage().contains("initial states"), e.getMessage());
        }
    }
}
