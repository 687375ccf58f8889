package kdnn.layers;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One weight array in Keras' shape and row-major order, as {@code get_weights()} returns it. Its
 * values are a Java array, or, for a weight read from a model file, the file's own bytes
 * ({@link #of(String, int[], MemorySegment)}): a layer then copies them straight into its native
 * memory, and a Java array is made only if {@link #values()} asks for one.
 */
public final class Weight {
    private static final ValueLayout.OfFloat LITTLE_ENDIAN_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private final String name;
    private final int[] shape;
    private final MemorySegment bytes; // little-endian float32, or null
    private volatile float[] values;

    /**
     * Copies the shape and checks that it holds as many values as {@code values} has.
     * @throws IllegalArgumentException when the counts differ
     */
    public Weight(String name, int[] shape, float[] values) {
        this(name, shape, null, values);
        if (count(this.shape) != values.length) {
            throw new IllegalArgumentException("weight '" + name + "' of shape " + Shapes.format(shape) + " needs "
                    + count(this.shape) + " values, got " + values.length);
        }
    }

    private Weight(String name, int[] shape, MemorySegment bytes, float[] values) {
        this.name = name;
        this.shape = shape.clone();
        this.bytes = bytes;
        this.values = values;
    }

    /**
     * A weight whose values are the little-endian float32 {@code bytes} (a model file's dataset,
     * say), read where they lie: setting it on a layer copies them once into the layer's memory.
     * @throws IllegalArgumentException when {@code bytes} does not hold exactly the shape's values
     */
    public static Weight of(String name, int[] shape, MemorySegment bytes) {
        long n = count(shape);
        if (bytes.byteSize() != n * Float.BYTES) {
            throw new IllegalArgumentException("weight '" + name + "' of shape " + Shapes.format(shape) + " needs "
                    + n * Float.BYTES + " bytes, got " + bytes.byteSize());
        }
        return new Weight(name, shape, bytes, null);
    }

    /** The same values under another name (no copy). */
    public Weight withName(String newName) {
        return new Weight(newName, shape, bytes, values);
    }

    public String name() {
        return name;
    }

    /** Keras' shape (the array itself, as a record's accessor gives it). */
    public int[] shape() {
        return shape;
    }

    /** The values as a Java array (made from the file's bytes on first use for a weight read from a file). */
    public float[] values() {
        float[] v = values;
        if (v == null) {
            v = bytes.toArray(LITTLE_ENDIAN_FLOAT);
            values = v;
        }
        return v;
    }

    /** True for a weight made by {@link #of} whose values are still those bytes (no Java array made from them yet). */
    public boolean inPlace() {
        return bytes != null && values == null;
    }

    /**
     * The little-endian float32 bytes of a weight made by {@link #of} (read-only), else null: what a
     * layer copies from directly.
     */
    public MemorySegment bytes() {
        return bytes == null ? null : bytes.asReadOnly();
    }

    private static long count(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Weight w && name.equals(w.name) && Arrays.equals(shape, w.shape)
                && Arrays.equals(values(), w.values());
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
