package kdnn.reference;

import java.util.Arrays;

/**
 * A dense float32 tensor: row-major (C order) {@code data} with {@code shape}, batch first.
 * The constructor checks that the data fits the shape, so every other class can trust it.
 */
public record RefArray(int[] shape, float[] data) {

    public RefArray {
        if (shape == null || data == null) {
            throw new IllegalArgumentException("shape and data must not be null");
        }
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        long size = Shapes.size(shape);
        if (size != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + size
                    + " values but data has " + data.length);
        }
    }

    /** An all-zero tensor of the given shape. */
    public static RefArray zeros(int... shape) {
        return new RefArray(shape.clone(), new float[Math.toIntExact(Shapes.size(shape))]);
    }

    public int rank() {
        return shape.length;
    }

    @Override
    public String toString() {
        return "RefArray" + Arrays.toString(shape);
    }
}
