package kdnn.layers;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Shape formatting as Keras prints it: {@code (None, 28, 28, 1)}. */
public final class Shapes {
    private Shapes() {
    }

    /** A shape as Keras prints it, unknown (negative) dims as None: {@code (None, 28, 28, 3)}. */
    public static String format(long[] shape) {
        return Arrays.stream(shape).mapToObj(d -> d < 0 ? "None" : Long.toString(d))
                .collect(Collectors.joining(", ", "(", shape.length == 1 ? ",)" : ")"));
    }

    /** A shape as Keras prints it, e.g. {@code (3, 3, 8)}. */
    public static String format(int[] shape) {
        return format(Arrays.stream(shape).asLongStream().toArray());
    }

    /** The element count of a shape (dims must be known, i.e. >= 0). */
    static long product(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    static long product(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }
}
