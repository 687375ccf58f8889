package kdnn.keras;

/** Shape helpers in Keras' weight layout (conv kernels are (k1..kr, in, out)). */
public final class WeightShape {
    private WeightShape() {}

    /** Fan-in and fan-out as Keras' {@code _compute_fans} counts them. */
    public record Fans(long in, long out) {}

    /** The number of values a weight of this shape holds. */
    public static long size(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("Negative dimension in shape " + describe(shape));
            n *= d;
        }
        return n;
    }

    /** Element count as an array length, refusing shapes too big for one Java array. */
    public static int length(int[] shape) {
        long n = size(shape);
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Shape " + describe(shape) + " has " + n + " elements, too many for one array");
        }
        return (int) n;
    }

    /** Keras' fan-in and fan-out of a weight of this shape (as {@code _compute_fans} computes them). */
    public static Fans fans(int[] shape) {
        if (shape.length < 1) return new Fans(1, 1); // Keras: avoids errors for scalars
        if (shape.length == 1) return new Fans(shape[0], shape[0]);
        if (shape.length == 2) return new Fans(shape[0], shape[1]);
        // Convolution kernels: everything before (in, out) is the receptive field.
        long receptive = 1;
        for (int i = 0; i < shape.length - 2; i++) receptive *= shape[i];
        return new Fans(shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive);
    }

    /** The shape as Python prints a tuple, to echo Keras' error messages. */
    public static String describe(int[] shape) {
        if (shape.length == 1) return "(" + shape[0] + ",)";
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(shape[i]);
        }
        return sb.append(')').toString();
    }

    static void checkLength(float[] weights, int[] shape) {
        if (weights.length != size(shape)) {
            throw new IllegalArgumentException("Weights have " + weights.length + " values but shape "
                    + describe(shape) + " holds " + size(shape));
        }
    }
}
