package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.reference.ReferenceRecurrent;
import org.junit.jupiter.api.Test;

/**
 * SimpleRNN, LSTM and GRU against Keras' cells written out step by step in double
 * ({@link ReferenceRecurrent}), over random sizes, weights and inputs, every output form
 * ({@code return_sequences}, {@code go_backwards}, with and without bias, GRU's {@code reset_after}
 * either way); configs round trip; what kdnn cannot compute is refused by name.
 */
class RecurrentTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String cls, String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': '" + cls + "', 'config': " + config + "}").replace('\'', '"')));
    }

    @Test
    void eachCellAsKerasComputesIt() throws Exception {
        Random r = new Random(41);
        // {class, activation, other arguments, the gates' activation}: the first six on oneDNN's cells, the
        // others (Keras 2's hard_sigmoid gates, a linear SimpleRNN, a relu LSTM) as Keras' formulas in Java
        String[][] kinds = {{"SimpleRNN", "tanh", "", "sigmoid"}, {"SimpleRNN", "relu", "", "sigmoid"},
            {"SimpleRNN", "sigmoid", "", "sigmoid"}, {"LSTM", "tanh", "", "sigmoid"},
            {"GRU", "tanh", ", 'reset_after': true", "sigmoid"}, {"GRU", "tanh", ", 'reset_after': false", "sigmoid"},
            {"LSTM", "tanh", ", 'recurrent_activation': 'hard_sigmoid'", "hard_sigmoid"},
            {"GRU", "tanh", ", 'recurrent_activation': 'hard_sigmoid', 'reset_after': true", "hard_sigmoid"},
            {"GRU", "tanh", ", 'recurrent_activation': 'hard_sigmoid', 'reset_after': false", "hard_sigmoid"},
            {"SimpleRNN", "linear", "", "sigmoid"}, {"LSTM", "relu", "", "sigmoid"}};
        for (String[] kind : kinds) {
            for (int trial = 0; trial < 8; trial++) {
                int batch = 1 + r.nextInt(3);
                int steps = 1 + r.nextInt(7);
                int features = 1 + r.nextInt(5);
                int units = 1 + r.nextInt(6);
                boolean sequences = r.nextBoolean();
                boolean backwards = r.nextBoolean();
                boolean useBias = trial != 0;
                String config = "{'units': " + units + ", 'activation': '" + kind[1] + "', 'return_sequences': " + sequences
                        + ", 'go_backwards': " + backwards + ", 'use_bias': " + useBias + kind[2] + "}";
                try (Layer l = layer(kind[0], config)) {
                    l.build(new long[] {-1, steps, features});
                    List<Weight> ws = randomWeights(l, r, 0.6);
                    float[] x = new float[batch * steps * features];
                    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                    ReferenceRecurrent.Cell cell = switch (kind[0]) {
                        case "LSTM" -> ReferenceRecurrent.Cell.LSTM;
                        case "GRU" -> kind[2].contains("'reset_after': true") ? ReferenceRecurrent.Cell.GRU
                                : ReferenceRecurrent.Cell.GRU_RESET_BEFORE;
                        default -> ReferenceRecurrent.Cell.SIMPLE_RNN;
                    };
                    float[] want = ReferenceRecurrent.run(cell, kind[1], kind[3], x, batch, steps, features, units,
                            ws.get(0).values(), ws.get(1).values(), useBias ? ws.get(2).values() : null, sequences, backwards);
                    try (Tensor in = Tensor.of(x, batch, steps, features); Tensor y = l.call(in)) {
                        assertArrayEquals(sequences ? new long[] {batch, steps, units} : new long[] {batch, units}, y.shape());
                        float[] got = y.toFloatArray();
                        for (int i = 0; i < got.length; i++) {
                            assertEquals(want[i], got[i], 2e-5 + 2e-5 * Math.abs(want[i]), kind[0] + " " + config + " value " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void weightsAndConfigs() throws Exception {
        try (Layer lstm = layer("LSTM", "{'name': 'lstm', 'units': 3}"); Layer gru = layer("GRU", "{'units': 3}");
             Layer gruBefore = layer("GRU", "{'units': 3, 'reset_after': false}"); Layer rnn = layer("SimpleRNN", "{'units': 3}")) {
            for (Layer l : List.of(lstm, gru, gruBefore, rnn)) l.build(new long[] {-1, 5, 2});
            assertEquals(List.of("kernel", "recurrent_kernel", "bias"), lstm.getWeights().stream().map(Weight::name).toList());
            assertArrayEquals(new int[] {2, 12}, lstm.getWeights().get(0).shape());
            assertArrayEquals(new int[] {3, 12}, lstm.getWeights().get(1).shape());
            assertArrayEquals(new int[] {12}, lstm.getWeights().get(2).shape());
            // unit_forget_bias: the forget gate's bias starts at one
            assertArrayEquals(new float[] {0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0}, lstm.getWeights().get(2).values(), 0f);
            assertArrayEquals(new int[] {2, 9}, gru.getWeights().get(2).shape());
            assertArrayEquals(new int[] {9}, gruBefore.getWeights().get(2).shape());
            assertArrayEquals(new int[] {3, 3}, rnn.getWeights().get(1).shape());
            for (Layer l : List.of(lstm, gru, gruBefore, rnn)) {
                try (Layer back = Layers.fromConfig(Layers.toConfig(l))) {
                    assertEquals(Layers.toConfig(l), Layers.toConfig(back));
                }
            }
        }
    }

    @Test
    void whatKdnnCannotComputeIsRefusedByName() throws Exception {
        String[][] cases = {{"LSTM", "{'units': 2, 'stateful': true}", "stateful"},
            {"GRU", "{'units': 2, 'time_major': true}", "time_major"},
            {"LSTM", "{'units': 2, 'recurrent_activation': 'softplus'}", "softplus"},
            {"GRU", "{'units': 2, 'activation': 'gelu'}", "activation"},
            {"SimpleRNN", "{'units': 2, 'activation': 'elu'}", "elu"},
            {"SimpleRNN", "{'units': 0}", "units"},
            {"LSTM", "{'units': 2, 'dropout': 1.5}", "dropout"},
            {"LSTM", "{'units': 2, 'peepholes': true}", "peepholes"}};
        for (String[] c : cases) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0], c[1]).close(), c[1]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
        try (Layer l = layer("LSTM", "{'units': 2}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 4}));
            assertTrue(e.getMessage().contains("expected ndim=3"), e.getMessage());
        }
    }

    /** Weights set after the first call reach the primitive's packed copy (and GRU's joined bias). */
    @Test
    void weightsSetAfterACallAreUsed() throws Exception {
        Random r = new Random(3);
        for (String cls : new String[] {"LSTM", "GRU"}) {
            try (Layer l = layer(cls, "{'units': 4, 'return_sequences': true}")) {
                l.build(new long[] {-1, 5, 3});
                float[] x = new float[2 * 5 * 3];
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                try (Tensor in = Tensor.of(x, 2, 5, 3)) {
                    l.call(in).close();
                    List<Weight> ws = randomWeights(l, r, 0.5);
                    ReferenceRecurrent.Cell cell = cls.equals("LSTM") ? ReferenceRecurrent.Cell.LSTM : ReferenceRecurrent.Cell.GRU;
                    float[] want = ReferenceRecurrent.run(cell, "tanh", x, 2, 5, 3, 4, ws.get(0).values(), ws.get(1).values(),
                            ws.get(2).values(), true, false);
                    try (Tensor y = l.call(in)) {
                        float[] got = y.toFloatArray();
                        for (int i = 0; i < got.length; i++) assertEquals(want[i], got[i], 3e-5, cls + " value " + i);
                    }
                }
                assertTrue(l.implementations(2, 5, 3).toString().contains("_forward:"), l.implementations(2, 5, 3).toString());
            }
        }
    }

    /**
     * Keras 2's CuDNNLSTM and CuDNNGRU (GPU-trained models): the LSTM with its input and recurrent
     * biases summed, the reset-after GRU with its two biases in one vector; arguments the cuDNN
     * classes lack are refused, configs round trip.
     */
    @Test
    void cudnnLayersAreTheirCells() throws Exception {
        Random r = new Random(13);
        for (String cls : new String[] {"CuDNNLSTM", "CuDNNGRU"}) {
            try (Layer l = layer(cls, "{'units': 3, 'return_sequences': true}")) {
                l.build(new long[] {-1, 4, 2});
                assertEquals(cls, l.className());
                List<Weight> ws = randomWeights(l, r, 0.5);
                float[] b = ws.get(2).values();
                boolean lstm = cls.equals("CuDNNLSTM");
                assertEquals(lstm ? 24 : 18, b.length);
                float[] bias = b;
                if (lstm) {
                    bias = new float[12];
                    for (int i = 0; i < 12; i++) bias[i] = b[i] + b[12 + i];
                }
                float[] x = new float[2 * 4 * 2];
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                float[] want = ReferenceRecurrent.run(lstm ? ReferenceRecurrent.Cell.LSTM : ReferenceRecurrent.Cell.GRU,
                        "tanh", x, 2, 4, 2, 3, ws.get(0).values(), ws.get(1).values(), bias, true, false);
                try (Tensor in = Tensor.of(x, 2, 4, 2); Tensor y = l.call(in)) {
                    float[] got = y.toFloatArray();
                    for (int i = 0; i < got.length; i++) assertEquals(want[i], got[i], 3e-5, cls + " value " + i);
                }
                try (Layer back = Layers.fromConfig(Layers.toConfig(l))) {
                    assertEquals(Layers.toConfig(l), Layers.toConfig(back));
                    assertTrue(Layers.toConfig(l).path("config").path("activation").isMissingNode());
                }
            }
            var e = assertThrows(IllegalArgumentException.class, () -> layer(cls, "{'units': 3, 'activation': 'relu'}"));
            assertTrue(e.getMessage().contains("'activation'"), e.getMessage());
        }
        // CuDNNLSTM's forget gate: the recurrent bias's forget part starts at one
        try (Layer l = layer("CuDNNLSTM", "{'units': 2}")) {
            l.build(new long[] {-1, 3, 1});
            assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0}, l.getWeights().get(2).values(), 0f);
        }
    }

    /** Gives a built layer Gaussian weights of this scale; returns them. */
    @Test
    void aReluSimpleRnnInKerasModeCarriesNaNAndInfinityAsKerasDoes() throws Exception {
        // oneDNN's relu cell gives 0 for NaN; in keras mode such an input runs Keras' formulas instead
        Random r = new Random(8);
        for (float extreme : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            for (boolean backwards : new boolean[] {false, true}) {
                try (Layer l = layer("SimpleRNN", "{'units': 3, 'activation': 'relu', 'return_sequences': true, 'go_backwards': "
                        + backwards + "}")) {
                    l.build(new long[] {-1, 6, 2});
                    List<Weight> ws = randomWeights(l, r, 0.7);
                    float[] x = new float[2 * 6 * 2];
                    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                    x[2 * 2 + 1] = extreme; // sample 0, step 2
                    float[] want = ReferenceRecurrent.run(ReferenceRecurrent.Cell.SIMPLE_RNN, "relu", x, 2, 6, 2, 3,
                            ws.get(0).values(), ws.get(1).values(), ws.get(2).values(), true, backwards);
                    l.setExtremes(ExtremeValues.KERAS);
                    try (Tensor in = Tensor.of(x, 2, 6, 2); Tensor y = l.call(in)) {
                        float[] got = y.toFloatArray();
                        int nans = 0;
                        for (int i = 0; i < got.length; i++) {
                            if (Float.isNaN(want[i])) {
                                nans++;
                                assertTrue(Float.isNaN(got[i]), extreme + " backwards " + backwards + " value " + i + ": " + got[i]);
                            } else {
                                assertEquals(want[i], got[i], 1e-5 * (1 + Math.abs(want[i])), extreme + " value " + i);
                            }
                        }
                        if (Float.isNaN(extreme)) assertTrue(nans >= 3, "NaN from step 2 on: " + nans);
                    }
                    // finite inputs keep oneDNN's cell, whose results they share with the default mode
                    float[] finite = x.clone();
                    finite[2 * 2 + 1] = 0.5f;
                    try (Tensor in = Tensor.of(finite, 2, 6, 2); Tensor k = l.call(in)) {
                        l.setExtremes(ExtremeValues.FUSED);
                        try (Tensor f = l.call(in)) {
                            assertArrayEquals(f.toFloatArray(), k.toFloatArray());
                        }
                    }
                }
            }
        }
    }

    @Test
    void aBidirectionalReluSimpleRnnInKerasModeCarriesNaN() throws Exception {
        try (Layer l = layer("Bidirectional", "{'layer': {'class_name': 'SimpleRNN', 'config': {'name': 'rnn', 'units': 2,"
                + " 'activation': 'relu', 'return_sequences': true}}, 'merge_mode': 'sum'}")) {
            l.build(new long[] {-1, 5, 2});
            randomWeights(l, new Random(9), 0.7);
            float[] x = new float[5 * 2];
            for (int i = 0; i < x.length; i++) x[i] = 0.1f * i;
            x[2 * 2] = Float.NaN; // step 2: the forward direction NaN from it on, the backward one up to it: all NaN
            l.setExtremes(ExtremeValues.KERAS);
            try (Tensor in = Tensor.of(x, 1, 5, 2); Tensor y = l.call(in)) {
                for (float v : y.toFloatArray()) assertTrue(Float.isNaN(v), java.util.Arrays.toString(y.toFloatArray()));
            }
        }
    }

    static List<Weight> randomWeights(Layer l, Random r, double scale) {
        List<Weight> ws = new ArrayList<>();
        for (Weight w : l.getWeights()) {
            float[] v = new float[w.values().length];
            for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * scale);
            ws.add(new Weight(w.name(), w.shape(), v));
        }
        l.setWeights(ws);
        return ws;
    }
}
