package kdnn.layers;

import java.util.Arrays;

/** One weight array in Keras' shape and row-major order, as {@code get_weights()} returns it. */
public record Weight(String name, int[] shape, float[] values) {
    /**
     * Copies the shape and checks that it holds as many values as {@code values} has.
     * @throws IllegalArgumentException when the counts differ
     */
    public Weight {
        shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("weight '" + name + "' of shape " + Shapes.format(shape) + " needs " + n
                    + " values, got " + values.length);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Weight w && name.equals(w.name) && Arrays.equals(shape, w.shape)
                && Arrays.equals(values, w.values);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "Weight[" + name + " " + Shapes.format(shape) + "]";
    }
}
