package kdnn.reference;

/** Row-major index arithmetic shared by the reference ops. */
final class Shapes {
    private Shapes() {
    }

    /** Number of elements of a tensor with this shape (1 for a scalar shape). */
    static long size(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Row-major flat offset of {@code index} in {@code shape}. */
    static int offset(int[] shape, int[] index) {
        int off = 0;
        for (int a = 0; a < shape.length; a++) {
            off = off * shape[a] + index[a];
        }
        return off;
    }

    /**
     * Advances {@code index} to the next position in row-major order (last axis fastest).
     * Returns false once every position was visited; start from all zeros and only call it
     * when the shape is non-empty.
     */
    static boolean next(int[] index, int[] shape) {
        for (int a = shape.length - 1; a >= 0; a--) {
            if (++index[a] < shape[a]) {
                return true;
            }
            index[a] = 0;
        }
        return false;
    }
}
