package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.keras.Initializer;

/** What LSTM and GRU share: LSTM's forget-gate bias as Keras draws it, and Keras 2's cuDNN variants' biases. */
final class Cells {
    private Cells() {
    }

    /** A CuDNNLSTM / CuDNNGRU config, refused if it sets a cell argument those classes do not have. */
    static com.fasterxml.jackson.databind.JsonNode withoutCellArguments(com.fasterxml.jackson.databind.JsonNode config,
                                                                        String className) {
        for (String key : BaseRecurrent.NOT_CUDNN) {
            if (config != null && config.has(key)) {
                throw new IllegalArgumentException(className + " got an unexpected keyword argument '" + key
                        + "' (its cell is fixed: tanh, sigmoid gates, a bias)");
            }
        }
        return config;
    }

    /** {@code out[i] = in[i] + in[count + i]}: a cuDNN layer's input and recurrent biases as one. */
    static void sumHalves(java.lang.foreign.MemorySegment in, java.lang.foreign.MemorySegment out, int count) {
        for (long i = 0; i < count; i++) {
            out.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i,
                    in.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i)
                            + in.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, count + i));
        }
    }

    /** Keras 2's CuDNNLSTM bias with {@code unit_forget_bias}: {@code [init(5 units), ones(units), init(2 units)]}. */
    static Initializer cudnnForgetBias(Initializer base, int units) {
        return new Initializer() {
            @Override
            public float[] initialize(int[] shape) {
                float[] head = base.initialize(new int[] {5 * units});
                float[] tail = base.initialize(new int[] {2 * units});
                float[] v = new float[8 * units];
                System.arraycopy(head, 0, v, 0, 5 * units);
                java.util.Arrays.fill(v, 5 * units, 6 * units, 1f);
                System.arraycopy(tail, 0, v, 6 * units, 2 * units);
                return v;
            }

            @Override
            public ObjectNode toConfig() {
                return base.toConfig();
            }
        };
    }

    /** Keras' LSTM bias with {@code unit_forget_bias}: the initializer's values, ones for the forget gate. */
    static Initializer unitForgetBias(Initializer base, int units) {
        return new Initializer() {
            @Override
            public float[] initialize(int[] shape) {
                // Keras: concatenate([init(units), ones(units), init(2 * units)]), drawn in that order
                float[] first = base.initialize(new int[] {units});
                float[] rest = base.initialize(new int[] {2 * units});
                float[] v = new float[4 * units];
                System.arraycopy(first, 0, v, 0, units);
                java.util.Arrays.fill(v, units, 2 * units, 1f);
                System.arraycopy(rest, 0, v, 2 * units, 2 * units);
                return v;
            }

            @Override
            public ObjectNode toConfig() {
                return base.toConfig();
            }
        };
    }
}
