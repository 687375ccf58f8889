package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.keras.Initializer;

/** LSTM's forget-gate bias as Keras draws it. */
final class Cells {
    private Cells() {
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
