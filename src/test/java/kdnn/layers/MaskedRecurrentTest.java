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
 * Recurrent layers, Bidirectional and GlobalAveragePooling1D called on an input and Keras' mask
 * {@code (batch, steps)}, against Keras' {@code backend.rnn} with a mask written out in double
 * ({@link ReferenceRecurrent#runMasked}) and Keras' masked mean: masks padded before, after, in
 * the middle and fully masked, every output form and {@code zero_output_for_mask}.
 */
class MaskedRecurrentTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String cls, String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': '" + cls + "', 'config': " + config + "}").replace('\'', '"')));
    }

    /** A mask of each kind Keras users meet: pre-padding, post-padding, holes, all masked, none masked. */
    static float[] mask(Random r, int batch, int steps) {
        float[] m = new float[batch * steps];
        for (int n = 0; n < batch; n++) {
            int kind = r.nextInt(5);
            int length = r.nextInt(steps + 1);
            for (int t = 0; t < steps; t++) {
                boolean keep = switch (kind) {
                    case 0 -> t >= steps - length;  // pad_sequences' default: zeros first
                    case 1 -> t < length;           // zeros last
                    case 2 -> r.nextBoolean();
                    case 3 -> false;
                    default -> true;
                };
                m[n * steps + t] = keep ? 1 : 0;
            }
        }
        return m;
    }

    private static float[] gaussian(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    /** Each value within {@code tolerance} (relative and absolute) of Keras' written out in double. */
    private static void assertClose(float[] want, float[] got, double tolerance, String where) {
        assertEquals(want.length, got.length, where);
        for (int i = 0; i < got.length; i++) {
            assertEquals(want[i], got[i], tolerance + tolerance * Math.abs(want[i]), where + " value " + i);
        }
    }

    private static ReferenceRecurrent.Cell cell(String cls, String extra) {
        return switch (cls) {
            case "LSTM" -> ReferenceRecurrent.Cell.LSTM;
            case "GRU" -> extra.contains("'reset_after': false") ? ReferenceRecurrent.Cell.GRU_RESET_BEFORE
                    : ReferenceRecurrent.Cell.GRU;
            default -> ReferenceRecurrent.Cell.SIMPLE_RNN;
        };
    }

    @Test
    void eachCellSkipsTheMaskedStepsAsKerasDoes() throws Exception {
        Random r = new Random(7);
        String[][] kinds = {{"SimpleRNN", "tanh", "", "sigmoid"}, {"LSTM", "tanh", "", "sigmoid"},
            {"GRU", "tanh", "", "sigmoid"}, {"GRU", "tanh", ", 'reset_after': false", "sigmoid"},
            {"LSTM", "tanh", ", 'recurrent_activation': 'hard_sigmoid'", "hard_sigmoid"},
            {"SimpleRNN", "relu", "", "sigmoid"}};
        for (String[] kind : kinds) {
            for (int trial = 0; trial < 10; trial++) {
                int batch = 1 + r.nextInt(4);
                int steps = 1 + r.nextInt(7);
                int features = 1 + r.nextInt(4);
                int units = 1 + r.nextInt(5);
                boolean sequences = r.nextBoolean();
                boolean backwards = r.nextBoolean();
                boolean zero = r.nextBoolean();
                String config = "{'units': " + units + ", 'activation': '" + kind[1] + "', 'return_sequences': " + sequences
                        + ", 'go_backwards': " + backwards + ", 'zero_output_for_mask': " + zero + kind[2] + "}";
                try (Layer l = layer(kind[0], config)) {
                    l.build(new long[] {-1, steps, features});
                    List<Weight> ws = RecurrentTest.randomWeights(l, r, 0.6);
                    float[] x = gaussian(r, batch * steps * features);
                    float[] m = mask(r, batch, steps);
                    float[] want = ReferenceRecurrent.runMasked(cell(kind[0], kind[2]), kind[1], kind[3], x, m, batch,
                            steps, features, units, ws.get(0).values(), ws.get(1).values(), ws.get(2).values(), sequences,
                            backwards, zero);
                    try (Tensor in = Tensor.of(x, batch, steps, features); Tensor mk = Tensor.of(m, batch, steps);
                         Tensor y = l.callAll(List.of(in), mk).get(0)) {
                        assertArrayEquals(sequences ? new long[] {batch, steps, units} : new long[] {batch, units}, y.shape());
                        assertClose(want, y.toFloatArray(), 2e-5, kind[0] + " " + config);
                    }
                }
            }
        }
    }

    /**
     * Each direction masked, masked steps of sequences zeros (Keras' Bidirectional sets
     * zero_output_for_mask); and a layer given with go_backwards=True, whose sequence Keras leaves in
     * the order it ran while it reverses its copy's (running from the first step).
     */
    @Test
    void bidirectionalMasksBothDirections() throws Exception {
        Random r = new Random(11);
        for (boolean layerBackwards : new boolean[] {false, true})
        for (String merge : List.of("concat", "sum", "mul", "ave")) {
            for (String[] kind : new String[][] {{"LSTM", "sigmoid"}, {"GRU", "sigmoid"}, {"LSTM", "hard_sigmoid"}}) {
                for (boolean sequences : new boolean[] {true, false}) {
                    int batch = 3;
                    int steps = 6;
                    int features = 3;
                    int units = 4;
                    String inner = "{'class_name': '" + kind[0] + "', 'config': {'name': 'rnn', 'units': " + units
                            + ", 'recurrent_activation': '" + kind[1] + "', 'return_sequences': " + sequences
                            + ", 'go_backwards': " + layerBackwards + "}}";
                    try (Layer l = layer("Bidirectional", "{'name': 'bi', 'merge_mode': '" + merge + "', 'layer': " + inner + "}")) {
                        l.build(new long[] {-1, steps, features});
                        // twice: weights set after a call reach both directions' masked runs
                        for (int round = 0; round < 2; round++) {
                        List<Weight> ws = RecurrentTest.randomWeights(l, r, 0.5);
                        int half = ws.size() / 2;
                        float[] x = gaussian(r, batch * steps * features);
                        float[] m = mask(r, batch, steps);
                        ReferenceRecurrent.Cell c = cell(kind[0], "");
                        float[] f = ReferenceRecurrent.runMasked(c, "tanh", kind[1], x, m, batch, steps, features, units,
                                ws.get(0).values(), ws.get(1).values(), ws.get(2).values(), sequences, layerBackwards, sequences);
                        float[] b = ReferenceRecurrent.runMasked(c, "tanh", kind[1], x, m, batch, steps, features, units,
                                ws.get(half).values(), ws.get(half + 1).values(), ws.get(half + 2).values(), sequences,
                                !layerBackwards, sequences);
                        int rows = batch * (sequences ? steps : 1);
                        float[] want = new float[rows * units * (merge.equals("concat") ? 2 : 1)];
                        for (int row = 0; row < rows; row++) {
                            // the backward sequence back in step order
                            int back = sequences ? (row / steps) * steps + (steps - 1 - row % steps) : row;
                            for (int u = 0; u < units; u++) {
                                float y = f[row * units + u];
                                float yb = b[back * units + u];
                                switch (merge) {
                                    case "concat" -> {
                                        want[row * 2 * units + u] = y;
                                        want[row * 2 * units + units + u] = yb;
                                    }
                                    case "sum" -> want[row * units + u] = y + yb;
                                    case "mul" -> want[row * units + u] = y * yb;
                                    default -> want[row * units + u] = (y + yb) / 2;
                                }
                            }
                        }
                        try (Tensor in = Tensor.of(x, batch, steps, features); Tensor mk = Tensor.of(m, batch, steps);
                             Tensor y = l.callAll(List.of(in), mk).get(0)) {
                            assertClose(want, y.toFloatArray(), 3e-5, merge + " " + kind[0] + " " + kind[1]
                                    + " sequences " + sequences + " round " + round + " layer backwards " + layerBackwards);
                        }
                        if (round == 1) { // no mask: every step kept
                            float[] all = new float[batch * steps];
                            java.util.Arrays.fill(all, 1);
                            float[] fa = ReferenceRecurrent.runMasked(c, "tanh", kind[1], x, all, batch, steps, features, units,
                                    ws.get(0).values(), ws.get(1).values(), ws.get(2).values(), sequences, layerBackwards, false);
                            float[] ba = ReferenceRecurrent.runMasked(c, "tanh", kind[1], x, all, batch, steps, features, units,
                                    ws.get(half).values(), ws.get(half + 1).values(), ws.get(half + 2).values(), sequences,
                                    !layerBackwards, false);
                            try (Tensor in = Tensor.of(x, batch, steps, features); Tensor y = l.call(in)) {
                                float[] got = y.toFloatArray();
                                for (int row = 0; row < rows; row++) {
                                    int back = sequences ? (row / steps) * steps + (steps - 1 - row % steps) : row;
                                    for (int u = 0; u < units; u++) {
                                        float yf = fa[row * units + u];
                                        float yb = ba[back * units + u];
                                        float w = switch (merge) {
                                            case "concat" -> Float.NaN;
                                            case "sum" -> yf + yb;
                                            case "mul" -> yf * yb;
                                            default -> (yf + yb) / 2;
                                        };
                                        String where = merge + " " + kind[0] + " unmasked, sequences " + sequences
                                                + " layer backwards " + layerBackwards;
                                        if (merge.equals("concat")) {
                                            assertEquals(yf, got[row * 2 * units + u], 3e-5, where);
                                            assertEquals(yb, got[row * 2 * units + units + u], 3e-5, where);
                                        } else {
                                            assertEquals(w, got[row * units + u], 3e-5, where);
                                        }
                                    }
                                }
                            }
                        }
                        }
                    }
                }
            }
        }
    }

    /**
     * Keras' masked mean: NaN where every step is masked; a masked NaN makes NaN in tf.keras'
     * {@code sum(x * mask)}, not in Keras 3's {@code sum(where(mask, x, 0))}.
     */
    @Test
    void globalAveragePooling1DAveragesTheStepsThatCount() throws Exception {
        Random r = new Random(3);
        for (KerasVersion version : KerasVersion.values())
        for (String format : List.of("channels_last", "channels_first")) {
            for (boolean keepdims : new boolean[] {false, true}) {
                int batch = 5;
                int steps = 6;
                int channels = 3;
                float[] x = new float[batch * steps * channels];
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                float[] m = mask(r, batch, steps);
                m[0] = 0;
                x[0] = Float.NaN; // step 0 of sample 0 masked, its value NaN: NaN * 0 is NaN in Keras' product
                boolean first = format.equals("channels_first");
                String config = "{'class_name': 'GlobalAveragePooling1D', 'config': {'data_format': '" + format
                        + "', 'keepdims': " + keepdims + "}}";
                try (Layer l = Layers.fromConfig(JSON.readTree(config.replace('\'', '"')), version);
                     Tensor in = first ? Tensor.of(x, batch, channels, steps) : Tensor.of(x, batch, steps, channels);
                     Tensor mk = Tensor.of(m, batch, steps); Tensor y = l.callAll(List.of(in), mk).get(0)) {
                    assertEquals(batch * channels, y.toFloatArray().length);
                    float[] got = y.toFloatArray();
                    for (int n = 0; n < batch; n++) {
                        double count = 0;
                        for (int t = 0; t < steps; t++) count += m[n * steps + t];
                        for (int c = 0; c < channels; c++) {
                            double sum = 0;
                            for (int t = 0; t < steps; t++) {
                                int at = first ? (n * channels + c) * steps + t : (n * steps + t) * channels + c;
                                boolean masked = m[n * steps + t] == 0;
                                sum += version == KerasVersion.KERAS_3 ? (masked ? 0 : x[at]) : (double) x[at] * m[n * steps + t];
                            }
                            double want = sum / count;
                            float v = got[n * channels + c];
                            String where = version + " " + format + " sample " + n + " channel " + c;
                            if (Double.isNaN(want)) assertTrue(Float.isNaN(v), where + ": " + v);
                            else assertEquals(want, v, 1e-5, where);
                        }
                    }
                }
            }
        }
    }

    /** Bidirectional's return_state: the merged output, then the forward layer's last states, then the backward one's. */
    @Test
    void bidirectionalReturnsBothDirectionsStates() throws Exception {
        Random r = new Random(29);
        for (boolean layerBackwards : new boolean[] {false, true})
        for (boolean initial : new boolean[] {false, true})
        for (boolean masked : new boolean[] {false, true}) {
            int batch = 3;
            int steps = 5;
            int features = 2;
            int units = 3;
            try (Layer l = layer("Bidirectional", "{'name': 'bi', 'merge_mode': 'sum', 'layer': {'class_name': 'LSTM',"
                    + " 'config': {'name': 'lstm', 'units': 3, 'return_state': true, 'go_backwards': " + layerBackwards + "}}}")) {
                l.build(new long[] {-1, steps, features});
                List<Weight> ws = RecurrentTest.randomWeights(l, r, 0.5);
                float[] x = gaussian(r, batch * steps * features);
                float[] m = masked ? mask(r, batch, steps) : new float[batch * steps];
                if (!masked) java.util.Arrays.fill(m, 1);
                // initial_state: the forward layer's h and c, then the backward one's
                float[][] first = new float[4][];
                for (int i = 0; i < 4; i++) first[i] = initial ? gaussian(r, batch * units) : null;
                float[][] f = ReferenceRecurrent.runWithStates(ReferenceRecurrent.Cell.LSTM, "tanh", "sigmoid", x, m, batch,
                        steps, features, units, ws.get(0).values(), ws.get(1).values(), ws.get(2).values(), false,
                        layerBackwards, false, first[0], first[1]);
                float[][] b = ReferenceRecurrent.runWithStates(ReferenceRecurrent.Cell.LSTM, "tanh", "sigmoid", x, m, batch,
                        steps, features, units, ws.get(3).values(), ws.get(4).values(), ws.get(5).values(), false,
                        !layerBackwards, false, first[2], first[3]);
                float[] sum = new float[batch * units];
                for (int i = 0; i < sum.length; i++) sum[i] = f[0][i] + b[0][i];
                float[][] want = {sum, f[1], f[2], b[1], b[2]};
                List<Tensor> in = new java.util.ArrayList<>(List.of(Tensor.of(x, batch, steps, features)));
                if (initial) for (float[] s0 : first) in.add(Tensor.of(s0, batch, units));
                try (Tensor mk = Tensor.of(m, batch, steps)) {
                    List<Tensor> got = masked ? l.callAll(in, mk) : l.callAll(in);
                    try {
                        assertEquals(5, got.size());
                        for (int k = 0; k < 5; k++) {
                            assertClose(want[k], got.get(k).toFloatArray(), 3e-5, "initial " + initial + " masked " + masked
                                    + " output " + k + " layer backwards " + layerBackwards);
                        }
                    } finally {
                        got.forEach(Tensor::close);
                    }
                } finally {
                    in.forEach(Tensor::close);
                }
            }
        }
    }

    /** merge_mode=None: the forward output, then the backward one with each state at its step; masked or not. */
    @Test
    void bidirectionalWithoutMergeGivesBothDirections() throws Exception {
        Random r = new Random(31);
        for (String[] kind : new String[][] {{"GRU", "sigmoid"}, {"LSTM", "hard_sigmoid"}}) {
            for (boolean sequences : new boolean[] {true, false}) {
                for (boolean masked : new boolean[] {false, true}) {
                    int batch = 2;
                    int steps = 5;
                    int features = 3;
                    int units = 2;
                    String inner = "{'class_name': '" + kind[0] + "', 'config': {'name': 'rnn', 'units': " + units
                            + ", 'recurrent_activation': '" + kind[1] + "', 'return_sequences': " + sequences + "}}";
                    try (Layer l = layer("Bidirectional", "{'name': 'bi', 'merge_mode': null, 'layer': " + inner + "}")) {
                        l.build(new long[] {-1, steps, features});
                        List<Weight> ws = RecurrentTest.randomWeights(l, r, 0.5);
                        int half = ws.size() / 2;
                        float[] x = gaussian(r, batch * steps * features);
                        float[] m = masked ? mask(r, batch, steps) : new float[batch * steps];
                        if (!masked) java.util.Arrays.fill(m, 1);
                        ReferenceRecurrent.Cell c = cell(kind[0], "");
                        float[] f = ReferenceRecurrent.runMasked(c, "tanh", kind[1], x, m, batch, steps, features, units,
                                ws.get(0).values(), ws.get(1).values(), ws.get(2).values(), sequences, false, sequences);
                        float[] b = ReferenceRecurrent.runMasked(c, "tanh", kind[1], x, m, batch, steps, features, units,
                                ws.get(half).values(), ws.get(half + 1).values(), ws.get(half + 2).values(), sequences, true,
                                sequences);
                        float[] back = b.clone();
                        if (sequences) {
                            for (int n = 0; n < batch; n++) {
                                for (int k = 0; k < steps; k++) {
                                    System.arraycopy(b, (n * steps + k) * units, back, (n * steps + steps - 1 - k) * units, units);
                                }
                            }
                        }
                        try (Tensor in = Tensor.of(x, batch, steps, features); Tensor mk = Tensor.of(m, batch, steps)) {
                            List<Tensor> got = (masked ? l.callAll(List.of(in), mk) : l.callAll(List.of(in)));
                            try {
                                assertEquals(2, got.size());
                                float[][] want = {f, back};
                                for (int k = 0; k < 2; k++) {
                                    assertClose(want[k], got.get(k).toFloatArray(), 3e-5, kind[0] + " " + kind[1]
                                            + " sequences " + sequences + " masked " + masked + " output " + k);
                                }
                            } finally {
                                got.forEach(Tensor::close);
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code return_state}: the output, then the last states (h, and LSTM's c), masked or not, as Keras' rnn gives them. */
    @Test
    void returnStateGivesTheLastStates() throws Exception {
        randomCalls(new Random(23), false);
    }

    /** Keras' initial_state: the states start from the given ones (h, then LSTM's c), masked or not. */
    @Test
    void initialStatesStartTheSteps() throws Exception {
        randomCalls(new Random(37), true);
        try (Layer l = layer("LSTM", "{'units': 2}"); Tensor x = Tensor.of(new float[2 * 3 * 4], 2, 3, 4);
             Tensor h = Tensor.of(new float[2 * 2], 2, 2)) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.call(List.of(x, h)).close());
            assertTrue(e.getMessage().contains("the sequence, or the sequence and its 2 initial states"), e.getMessage());
        }
    }

    /**
     * Random recurrent layers of every cell called with and without a mask: with {@code initial}
     * states (and return_state for some), else with return_state; every output against Keras' rnn.
     */
    private static void randomCalls(Random r, boolean initial) throws Exception {
        String[][] kinds = {{"LSTM", "sigmoid", ""}, {"LSTM", "hard_sigmoid", ""}, {"GRU", "sigmoid", ""},
            {"GRU", "sigmoid", ", 'reset_after': false"}, {"SimpleRNN", "sigmoid", ""}};
        for (String[] kind : kinds) {
            for (int trial = 0; trial < 6; trial++) {
                int batch = 1 + r.nextInt(3);
                int steps = 1 + r.nextInt(6);
                int features = 1 + r.nextInt(4);
                int units = 1 + r.nextInt(4);
                boolean sequences = r.nextBoolean();
                boolean backwards = r.nextBoolean();
                boolean masked = trial % 2 == 0;
                boolean states = !initial || trial % 3 == 0;
                String gate = kind[0].equals("SimpleRNN") ? "" : ", 'recurrent_activation': '" + kind[1] + "'";
                String config = "{'units': " + units + ", 'return_state': " + states + ", 'return_sequences': " + sequences
                        + ", 'go_backwards': " + backwards + gate + kind[2] + "}";
                try (Layer l = layer(kind[0], config)) {
                    l.build(new long[] {-1, steps, features});
                    List<Weight> ws = RecurrentTest.randomWeights(l, r, 0.6);
                    float[] x = gaussian(r, batch * steps * features);
                    boolean lstm = kind[0].equals("LSTM");
                    float[] h0 = initial ? gaussian(r, batch * units) : null;
                    float[] c0 = initial && lstm ? gaussian(r, batch * units) : null;
                    float[] m = masked ? mask(r, batch, steps) : new float[batch * steps];
                    if (!masked) java.util.Arrays.fill(m, 1);
                    float[][] want = ReferenceRecurrent.runWithStates(cell(kind[0], kind[2]), "tanh", kind[1], x, m, batch,
                            steps, features, units, ws.get(0).values(), ws.get(1).values(), ws.get(2).values(), sequences,
                            backwards, false, h0, c0);
                    int outputs = states ? lstm ? 3 : 2 : 1;
                    List<Tensor> in = new java.util.ArrayList<>(List.of(Tensor.of(x, batch, steps, features)));
                    if (h0 != null) in.add(Tensor.of(h0, batch, units));
                    if (c0 != null) in.add(Tensor.of(c0, batch, units));
                    try (Tensor mk = Tensor.of(m, batch, steps)) {
                        List<Tensor> got = masked ? l.callAll(in, mk) : l.callAll(in);
                        try {
                            assertEquals(outputs, got.size(), config);
                            for (int k = 0; k < outputs; k++) {
                                assertClose(want[k], got.get(k).toFloatArray(), 2e-5, kind[0] + " " + config + " masked "
                                        + masked + " output " + k);
                            }
                        } finally {
                            got.forEach(Tensor::close);
                        }
                        if (states) {
                            var e = assertThrows(IllegalArgumentException.class, () -> l.call(in).close());
                            assertTrue(e.getMessage().contains("returns " + outputs + " tensors: call it with callAll"),
                                    e.getMessage());
                        }
                    } finally {
                        in.forEach(Tensor::close);
                    }
                }
            }
        }
    }

    @Test
    void aMaskOfAnotherShapeIsRefused() throws Exception {
        try (Layer l = layer("LSTM", "{'units': 2}"); Tensor in = Tensor.of(new float[2 * 3 * 4], 2, 3, 4);
             Tensor mk = Tensor.of(new float[2 * 4], 2, 4)) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.callAll(List.of(in), mk));
            assertTrue(e.getMessage().contains("mask must be (batch, timesteps)"), e.getMessage());
        }
    }
}
