package kdnn.layers;

/** A weight's Keras name and shape, without its values: what a layer expects to be given. */
public record WeightSpec(String name, int[] shape) {
    /** Copies the shape. */
    public WeightSpec {
        shape = shape.clone();
    }

    /** The shape (a copy). */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** How many values the weight holds. */
    public long size() {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightSpec w && name.equals(w.name) && java.util.Arrays.equals(shape, w.shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + java.util.Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Shapes.format(shape);
    }
}
