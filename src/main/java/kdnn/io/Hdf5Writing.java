package kdnn.io;

import java.lang.reflect.Array;
import kdnn.layers.Weight;

/** What jHDF's writer needs from a weight: its values as a Java array of the weight's rank. */
final class Hdf5Writing {
    private Hdf5Writing() {
    }

    /** The weight's values nested as {@code float[d0][d1]...}; jHDF takes the dataset's shape from the nesting. */
    static Object nested(Weight w) {
        int[] shape = w.shape();
        if (shape.length == 0) {
            throw new IllegalArgumentException("weight \"" + w.name() + "\" is a scalar; kdnn's HDF5 writer stores"
                    + " arrays of rank 1 or more");
        }
        for (int d : shape) {
            if (d == 0) {
                throw new IllegalArgumentException("weight \"" + w.name() + "\" has an empty dimension; jHDF cannot write"
                        + " empty datasets");
            }
        }
        Object out = Array.newInstance(float.class, shape);
        fill(out, w.values(), shape, 0, new int[] {0});
        return out;
    }

    private static void fill(Object array, float[] flat, int[] shape, int dim, int[] at) {
        if (dim == shape.length - 1) {
            System.arraycopy(flat, at[0], array, 0, shape[dim]);
            at[0] += shape[dim];
            return;
        }
        for (int i = 0; i < shape[dim]; i++) fill(Array.get(array, i), flat, shape, dim + 1, at);
    }
}
