package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Keras {@code Identity(gain=1.0)}: gain times the (possibly rectangular) identity; 2D shapes only. */
public record Identity(double gain) implements Initializer {
    /** Keras' defaults: gain 1. */
    public Identity() {
        this(1.0);
    }

    @Override
    public float[] initialize(int[] shape) {
        checkShape(shape);
        int rows = shape[0], cols = shape[1];
        float[] out = new float[WeightShape.length(shape)];
        for (int i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = (float) gain;
        return out;
    }

    @Override
    public void checkShape(int[] shape) {
        if (shape.length != 2) {
            throw new IllegalArgumentException("Identity matrix initializer can only be used for 2D matrices. "
                    + "Received: shape=" + WeightShape.describe(shape) + " of rank " + shape.length + ".");
        }
    }

    @Override
    public ObjectNode toConfig() {
        ObjectNode config = KerasJson.object();
        config.put("gain", gain);
        return KerasJson.serialized("Identity", config);
    }
}
