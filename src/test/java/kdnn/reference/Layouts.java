package kdnn.reference;

/**
 * Moves the channel axis between {@code (N, C, spatial...)} and {@code (N, spatial..., C)}.
 * The convolutions compute in channels_last only; channels_first goes through these.
 */
final class Layouts {
    private Layouts() {
    }

    /** {@code (N, C, s1..sr)} to {@code (N, s1..sr, C)}. */
    static RefArray toChannelsLast(RefArray x) {
        int r = x.rank();
        int[] perm = new int[r];
        perm[0] = 0;
        for (int a = 1; a < r - 1; a++) {
            perm[a] = a + 1;
        }
        perm[r - 1] = 1;
        return permute(x, perm);
    }

    /** {@code (N, s1..sr, C)} to {@code (N, C, s1..sr)}. */
    static RefArray toChannelsFirst(RefArray x) {
        int r = x.rank();
        int[] perm = new int[r];
        perm[0] = 0;
        perm[1] = r - 1;
        for (int a = 2; a < r; a++) {
            perm[a] = a - 1;
        }
        return permute(x, perm);
    }

    /** Output axis {@code a} is input axis {@code perm[a]} (numpy.transpose semantics). */
    static RefArray permute(RefArray x, int[] perm) {
        int r = x.rank();
        int[] outShape = new int[r];
        for (int a = 0; a < r; a++) {
            outShape[a] = x.shape()[perm[a]];
        }
        RefArray out = RefArray.zeros(outShape);
        if (out.data().length == 0) {
            return out;
        }
        int[] outIdx = new int[r];
        int[] inIdx = new int[r];
        do {
            for (int a = 0; a < r; a++) {
                inIdx[perm[a]] = outIdx[a];
            }
            out.data()[Shapes.offset(outShape, outIdx)] = x.data()[Shapes.offset(x.shape(), inIdx)];
        } while (Shapes.next(outIdx, outShape));
        return out;
    }
}
