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
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceConvLSTM;
import org.junit.jupiter.api.Test;

/**
 * The convolutional LSTMs against Keras' cell written out, beside the Keras-written models of
 * {@code KerasWrittenModelsTest}: weights
 * set after a call reach the hidden convolutions (the output equals a fresh layer given them), and
 * the refusals (stateful, initial states, a rank or an activation kdnn does not take, a mask).
 */
class ConvLSTMTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String cls, String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': '" + cls + "', 'config': " + config + "}")
                .replace('\'', '"')));
    }

    /**
     * Against Keras' cell written out ({@link ReferenceConvLSTM}): ranks 1-3, both data formats,
     * strides, both paddings, dilation, sequences or the last state, backwards, with and without a
     * bias, tanh or relu, sigmoid or Keras 2's hard_sigmoid gates; 48 seeded draws of them.
     */
    @Test
    void eachArgumentAsKerasCellComputesIt() throws Exception {
        Random r = new Random(23);
        for (int draw = 0; draw < 48; draw++) {
            int rank = 1 + draw % 3;
            boolean channelsFirst = r.nextInt(3) == 0;
            int stride = r.nextInt(3) == 0 ? 2 : 1;
            int dilation = stride == 1 && r.nextInt(3) == 0 ? 2 : 1;
            String padding = r.nextBoolean() ? "same" : "valid";
            int k = 1 + r.nextInt(3);
            int filters = 1 + r.nextInt(3);
            int channels = 1 + r.nextInt(3);
            int batch = 1 + r.nextInt(2);
            int steps = 1 + r.nextInt(4);
            boolean sequences = r.nextBoolean();
            boolean backwards = r.nextInt(3) == 0;
            boolean bias = r.nextInt(4) != 0;
            String activation = r.nextInt(3) == 0 ? "relu" : "tanh";
            String gate = r.nextInt(3) == 0 ? "hard_sigmoid" : "sigmoid";
            int[] shape = new int[rank + 3];
            shape[0] = batch;
            shape[1] = steps;
            for (int i = 0; i < rank; i++) shape[channelsFirst ? 3 + i : 2 + i] = (rank == 3 ? 3 : 4) + r.nextInt(3);
            shape[channelsFirst ? 2 : rank + 2] = channels;
            String tuple = "[" + String.join(", ", java.util.Collections.nCopies(rank, "%d")) + "]";
            String config = "{'filters': " + filters + ", 'kernel_size': " + String.format(tuple, (Object[]) fill(rank, k))
                    + ", 'strides': " + String.format(tuple, (Object[]) fill(rank, stride)) + ", 'padding': '" + padding
                    + "', 'dilation_rate': " + String.format(tuple, (Object[]) fill(rank, dilation)) + ", 'data_format': '"
                    + (channelsFirst ? "channels_first" : "channels_last") + "', 'return_sequences': " + sequences
                    + ", 'go_backwards': " + backwards + ", 'use_bias': " + bias + ", 'activation': '" + activation
                    + "', 'recurrent_activation': '" + gate + "'}";
            int n = 1;
            for (int d : shape) n *= d;
            float[] x = new float[n];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            long[] dims = java.util.Arrays.stream(shape).asLongStream().toArray();
            try (Layer l = layer("ConvLSTM" + rank + "D", config); Tensor in = Tensor.of(x, dims)) {
                l.build(dims);
                List<Weight> ws = RecurrentTest.randomWeights(l, r, 0.4);
                RefArray want = ReferenceConvLSTM.run(new RefArray(shape, x), new RefArray(ws.get(0).shape(), ws.get(0).values()),
                        new RefArray(ws.get(1).shape(), ws.get(1).values()),
                        bias ? new RefArray(ws.get(2).shape(), ws.get(2).values()) : null, fillInts(rank, stride), padding,
                        fillInts(rank, dilation), channelsFirst, activation, gate, sequences, backwards);
                try (Tensor y = l.call(in)) {
                    assertArrayEquals(java.util.Arrays.stream(want.shape()).asLongStream().toArray(), y.shape(), config);
                    float[] got = y.toFloatArray();
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(want.data()[i], got[i], 2e-5 + 2e-5 * Math.abs(want.data()[i]),
                                "ConvLSTM" + rank + "D " + config + " at " + i);
                    }
                }
            }
        }
    }

    /**
     * A NaN or an infinity in the input carries on through the steps as in Keras (found by the random
     * graphs test): oneDNN's activations clamp NaN to a finite value and its relu gives 0, so a step
     * whose sums hold either takes Keras' activations in Java.
     */
    @Test
    void nanAndInfinityInTheInputCarryOnAsInKeras() throws Exception {
        Random r = new Random(31);
        for (String[] acts : new String[][] {{"tanh", "sigmoid"}, {"relu", "hard_sigmoid"}}) {
            int[] shape = {2, 4, 5, 5, 2};
            float[] x = new float[2 * 4 * 5 * 5 * 2];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            x[1 * 100 + 37] = Float.NaN; // the second step of the first sample
            x[200 + 2 * 50 + 11] = Float.POSITIVE_INFINITY; // the third step of the second sample
            String config = "{'filters': 2, 'kernel_size': [3, 3], 'padding': 'same', 'return_sequences': true,"
                    + " 'activation': '" + acts[0] + "', 'recurrent_activation': '" + acts[1] + "'}";
            try (Layer l = layer("ConvLSTM2D", config); Tensor in = Tensor.of(x, 2, 4, 5, 5, 2)) {
                l.build(in.shape());
                List<Weight> ws = RecurrentTest.randomWeights(l, r, 0.4);
                RefArray want = ReferenceConvLSTM.run(new RefArray(shape, x), new RefArray(ws.get(0).shape(), ws.get(0).values()),
                        new RefArray(ws.get(1).shape(), ws.get(1).values()), new RefArray(ws.get(2).shape(), ws.get(2).values()),
                        fillInts(2, 1), "same", fillInts(2, 1), false, acts[0], acts[1], true, false);
                int nans = 0;
                for (ExtremeValues mode : ExtremeValues.values()) {
                    l.setExtremes(mode);
                    try (Tensor y = l.call(in)) {
                        float[] got = y.toFloatArray();
                        for (int i = 0; i < got.length; i++) {
                            float w = want.data()[i];
                            if (Float.isNaN(w)) {
                                nans++;
                                assertTrue(Float.isNaN(got[i]), mode + " " + config + ": NaN expected at " + i + ", got " + got[i]);
                            } else {
                                assertEquals(w, got[i], 2e-5 + 2e-5 * Math.abs(w), mode + " " + config + " at " + i);
                            }
                        }
                    }
                }
                assertTrue(nans > 50, "the NaN reaches later steps and other positions: " + nans);
            }
        }
    }

    private static Integer[] fill(int n, int v) {
        Integer[] o = new Integer[n];
        java.util.Arrays.fill(o, v);
        return o;
    }

    private static int[] fillInts(int n, int v) {
        int[] o = new int[n];
        java.util.Arrays.fill(o, v);
        return o;
    }

    @Test
    void weightsSetAfterACallReachTheConvolutions() throws Exception {
        Random r = new Random(5);
        float[] x = new float[2 * 3 * 5 * 5 * 2];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        String config = "{'filters': 3, 'kernel_size': 3, 'padding': 'same', 'return_sequences': true}";
        try (Layer a = layer("ConvLSTM2D", config); Layer b = layer("ConvLSTM2D", config);
             Tensor in = Tensor.of(x, 2, 3, 5, 5, 2)) {
            try (Tensor first = a.call(in)) {
                List<Weight> ws = new ArrayList<>();
                for (WeightSpec s : a.weightSpecs()) {
                    int n = 1;
                    for (int d : s.shape()) n *= d;
                    float[] v = new float[n];
                    for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * 0.3);
                    ws.add(new Weight(s.name(), s.shape(), v));
                }
                a.setWeights(ws);
                b.build(in.shape());
                b.setWeights(ws);
                try (Tensor after = a.call(in); Tensor fresh = b.call(in); Tensor again = a.call(in)) {
                    assertArrayEquals(fresh.toFloatArray(), after.toFloatArray(), 0f);
                    assertTrue(!java.util.Arrays.equals(first.toFloatArray(), after.toFloatArray()));
                    // the states start at zero on every call, the scratch reused between calls
                    assertArrayEquals(after.toFloatArray(), again.toFloatArray(), 0f);
                }
            }
        }
    }

    @Test
    void refusals() throws Exception {
        IllegalArgumentException stateful = assertThrows(IllegalArgumentException.class,
                () -> layer("ConvLSTM2D", "{'filters': 2, 'kernel_size': 3, 'stateful': true}"));
        assertTrue(stateful.getMessage().contains("stateful"), stateful.getMessage());
        IllegalArgumentException act = assertThrows(IllegalArgumentException.class,
                () -> layer("ConvLSTM1D", "{'filters': 2, 'kernel_size': 3, 'activation': 'selu'}"));
        assertTrue(act.getMessage().contains("selu"), act.getMessage());
        assertThrows(IllegalArgumentException.class, () -> layer("ConvLSTM2D", "{'filters': 0, 'kernel_size': 3}"));
        try (Layer l = layer("ConvLSTM2D", "{'filters': 2, 'kernel_size': 3}"); Tensor rank4 = Tensor.zeros(1, 2, 5, 5);
             Tensor seq = Tensor.zeros(1, 2, 5, 5, 1); Tensor h = Tensor.zeros(1, 3, 3, 2)) {
            IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, () -> l.call(rank4));
            assertTrue(rank.getMessage().contains("ndim=5"), rank.getMessage());
            IllegalArgumentException states = assertThrows(IllegalArgumentException.class, () -> l.call(List.of(seq, h)));
            assertTrue(states.getMessage().contains("initial states"), states.getMessage());
        }
        // a Keras mask reaching it (a Masking layer's, through TimeDistributed-free steps) is refused when the model is made
        String config = ("{'class_name': 'Functional', 'config': {'name': 'm', 'layers': [{'class_name': 'InputLayer',"
                + " 'config': {'batch_input_shape': [null, 3, 4, 4, 1], 'name': 'x'}, 'name': 'x', 'inbound_nodes': []},"
                + " {'class_name': 'Masking', 'config': {'name': 'mask', 'mask_value': 0.0}, 'name': 'mask',"
                + " 'inbound_nodes': [[['x', 0, 0, {}]]]}, {'class_name': 'ConvLSTM2D', 'config': {'name': 'c',"
                + " 'filters': 2, 'kernel_size': 3}, 'name': 'c', 'inbound_nodes': [[['mask', 0, 0, {}]]]}],"
                + " 'input_layers': [['x', 0, 0]], 'output_layers': [['c', 0, 0]]}}").replace('\'', '"');
        IllegalArgumentException mask = assertThrows(IllegalArgumentException.class,
                () -> kdnn.model.ModelConfigs.build(JSON.readTree(config), (path, layer, expected) -> layer.getWeights()));
        assertTrue(mask.getMessage().contains("mask"), mask.getMessage());
    }
}
