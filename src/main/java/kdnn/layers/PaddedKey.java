package kdnn.layers;

import java.util.Arrays;

/**
 * A pipeline-cache key for a layer run with folded input padding: the input shape followed by
 * (before, after) per spatial axis, so padded and plain pipelines never share a key.
 */
final class PaddedKey {
    private PaddedKey() {
    }

    static long[] of(long[] shape, int[][] padding) {
        long[] key = Arrays.copyOf(shape, shape.length + 1 + 2 * padding.length);
        key[shape.length] = -1; // marks the start of the padding; shapes have no negative dims here
        for (int i = 0; i < padding.length; i++) {
            key[shape.length + 1 + 2 * i] = padding[i][0];
            key[shape.length + 2 + 2 * i] = padding[i][1];
        }
        return key;
    }

    static long[] shape(long[] key) {
        int marker = 0;
        while (key[marker] != -1) marker++;
        return Arrays.copyOf(key, marker);
    }

    static int[][] padding(long[] key) {
        int marker = shape(key).length;
        int axes = (key.length - marker - 1) / 2;
        int[][] p = new int[axes][2];
        for (int i = 0; i < axes; i++) {
            p[i][0] = (int) key[marker + 1 + 2 * i];
            p[i][1] = (int) key[marker + 2 + 2 * i];
        }
        return p;
    }
}
