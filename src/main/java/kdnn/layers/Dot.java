package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Products;

/**
 * Keras' {@code Dot}: per sample, the dot product of its two inputs along {@code axes} (Keras'
 * {@code batch_dot}): the output has the first input's other axes, then the second's, and a
 * rank-1 result becomes {@code (batch, 1)}. With {@code normalize}, each input is first scaled to
 * unit L2 norm along its axis, so the result is the cosine proximity ({@code tf.math.l2_normalize}'s
 * floor 1e-12 on the sum of squares in Keras 2; Keras 3's {@code ops.normalize}, 1e-14). One oneDNN
 * matmul; agrees with TensorFlow to rounding (the sums run in another order).
 */
public final class Dot extends Merge {
    /** Keras' class name, {@code "Dot"}. */
    public static final String CLASS_NAME = "Dot";

    private final int[] axes;
    private final boolean axesIsPair;
    private final boolean normalize;
    private final KerasVersion version;

    private Dot(String name, boolean trainable, int[] axes, boolean axesIsPair, boolean normalize, KerasVersion version) {
        super(name, trainable);
        this.axes = axes.clone();
        this.axesIsPair = axesIsPair;
        this.normalize = normalize;
        this.version = version;
    }

    /** A new layer contracting axis {@code axes[0]} of the first input with {@code axes[1]} of the second (one value: both). */
    public static Dot of(String name, boolean normalize, int... axes) {
        check(axes);
        return new Dot(name == null ? LayerNames.next(CLASS_NAME) : name, true, axes.length == 1 ? new int[] {axes[0], axes[0]}
                : axes, axes.length != 1, normalize, Layers.readingVersion());
    }

    /** Keras' {@code from_config}: {@code axes} an int or a pair. */
    public static Dot fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        JsonNode a = r.node("axes");
        int[] axes;
        boolean pair;
        if (a.isIntegralNumber()) {
            axes = new int[] {a.asInt()};
            pair = false;
        } else if (a.isArray()) {
            if (a.size() != 2) {
                throw new IllegalArgumentException("Invalid format for argument `axes`: it should contain two elements."
                        + " Received: axes=" + a);
            }
            if (!a.get(0).isIntegralNumber() || !a.get(1).isIntegralNumber()) {
                throw new IllegalArgumentException("Invalid format for argument `axes`: list elements should be integers."
                        + " Received: axes=" + a);
            }
            axes = new int[] {a.get(0).asInt(), a.get(1).asInt()};
            pair = true;
        } else {
            throw new IllegalArgumentException("Invalid type for argument `axes`: it should be a list or an int. Received:"
                    + " axes=" + a);
        }
        boolean normalize = r.bool("normalize", false);
        r.finish();
        return new Dot(name == null ? LayerNames.next(CLASS_NAME) : name, trainable,
                pair ? axes : new int[] {axes[0], axes[0]}, pair, normalize, Layers.readingVersion());
    }

    private static void check(int[] axes) {
        if (axes.length != 1 && axes.length != 2) {
            throw new IllegalArgumentException("Invalid format for argument `axes`: it should contain two elements."
                    + " Received: axes=" + java.util.Arrays.toString(axes));
        }
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** The contracted axis of each input, non-negative (Keras counts a negative axis from each input's own rank). */
    private int[] resolved(long[] x, long[] y) {
        int a0 = axes[0] < 0 ? axes[0] + x.length : axes[0];
        int a1 = axes[1] < 0 ? axes[1] + y.length : axes[1];
        if (a0 < 0 || a0 >= x.length || a1 < 0 || a1 >= y.length) {
            throw new IllegalArgumentException("Dot \"" + name() + "\": axes=" + axesText() + " are out of range for input"
                    + " shapes " + Shapes.format(x) + ", " + Shapes.format(y));
        }
        if (a0 == 0 || a1 == 0) {
            throw new IllegalArgumentException("Cannot perform batch_dot over axis 0. If your inputs are not batched, add a"
                    + " dummy batch dimension to your inputs using keras.ops.expand_dims(x, 0) (layer \"" + name() + "\")");
        }
        return new int[] {a0, a1};
    }

    private String axesText() {
        return axesIsPair ? "(" + axes[0] + ", " + axes[1] + ")" : Integer.toString(axes[0]);
    }

    @Override
    long[] mergedShape(List<long[]> shapes) {
        if (shapes.size() != 2) {
            throw new IllegalArgumentException("A `Dot` layer should be called on a list of 2 inputs. Received: "
                    + shapes.size() + " inputs of shapes " + format(shapes));
        }
        long[] x = shapes.get(0);
        long[] y = shapes.get(1);
        if (x.length < 2 || y.length < 2) {
            throw new IllegalArgumentException("Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes "
                    + Shapes.format(x) + " and " + Shapes.format(y) + ".");
        }
        int[] a = resolved(x, y);
        if (x[a[0]] >= 0 && y[a[1]] >= 0 && x[a[0]] != y[a[1]]) {
            throw new IllegalArgumentException("Incompatible input shapes: axis values " + x[a[0]] + " (at axis " + a[0]
                    + ") != " + y[a[1]] + " (at axis " + a[1] + "). Full input shapes: " + Shapes.format(x) + ", "
                    + Shapes.format(y));
        }
        long[] out = new long[x.length + y.length - 3];
        int n = 0;
        out[n++] = x[0] >= 0 ? x[0] : y[0];
        for (int i = 1; i < x.length; i++) if (i != a[0]) out[n++] = x[i];
        for (int i = 1; i < y.length; i++) if (i != a[1]) out[n++] = y[i];
        return out.length == 1 ? new long[] {out[0], 1} : out;
    }

    /** The inputs keep their own ranks (Keras' batch_dot), unlike the element-wise merges'. */
    @Override
    long[] ranked(long[] shape, int outputRank) {
        return shape;
    }

    @Override
    Pipeline mergePipeline(long[][] inputs, long[] output, int tag) {
        int[] a = resolved(inputs[0], inputs[1]);
        float floor = !normalize ? Float.NaN : version == KerasVersion.KERAS_3 ? 1e-14f : 1e-12f;
        return Products.batchDot(inputs[0], a[0], inputs[1], a[1], floor);
    }

    /** A product's result has no place in a channels-first copy of its inputs. */
    @Override
    boolean acceptsChannelsLast(List<long[]> shapes) {
        return false;
    }

    /** Sums of products: bounded only with the axis' length, which the bounds do not carry. */
    @Override
    double mergedBound(double[] inputBounds) {
        return Double.NaN;
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        if (axesIsPair) c.putArray("axes").add(axes[0]).add(axes[1]); else c.put("axes", axes[0]);
        c.put("normalize", normalize);
        return c;
    }
}
