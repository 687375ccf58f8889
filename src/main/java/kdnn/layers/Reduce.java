package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import kdnn.keras.Axes;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Reductions;

/**
 * {@code mean}, {@code max}, {@code min}, {@code sum}, {@code prod} or the Euclidean {@code norm}
 * ({@code sqrt(sum(x * x))}: squares, a sum, a square root, as Keras computes it) over some axes:
 * what tf.keras saves as the TFOpLambda of {@code tf.math.reduce_mean} (and the others, and
 * {@code tf.norm}) and Keras 3 as its {@code Mean}, {@code Max}, {@code Min}, {@code Sum},
 * {@code Prod} and {@code Norm} operations, e.g. the mean
 * and maximum over the channels of CBAM's spatial attention, {@code keepdims=True}. One oneDNN
 * reduction. The axes count the batch axis as TensorFlow counts them (negative ones from the
 * end); reducing over the batch axis (or over every axis, {@code axis=None}) would mix the samples
 * of a call and is refused. (The mean or maximum over exactly the axes between the batch and the
 * channels reads as the global pooling layers, which fuse with the layers around them.) Keras has no
 * layer for it: a file keeps the form it came in.
 */
public final class Reduce extends Layer implements KerasOperation {
    private final Reductions.Kind kind;
    private final Axes axis;
    private final boolean keepdims;

    private Reduce(String name, long[] batchInputShape, boolean trainable, Reductions.Kind kind, Axes axis,
                   boolean keepdims) {
        super(name, batchInputShape, trainable);
        this.kind = kind;
        this.axis = axis;
        this.keepdims = keepdims;
    }

    /**
     * Keras 3's class names of the operations: {@code Mean}, {@code Max}, {@code Min}, {@code Sum},
     * {@code Prod}, and {@code Norm} ({@code ops.norm}'s vector or Frobenius norm, tf.keras' {@code tf.norm}).
     */
    public static final java.util.List<String> CLASS_NAMES = java.util.List.of("Mean", "Max", "Min", "Sum", "Prod",
            "Norm", "Var", "Std");

    /** From kdnn's config form of the operation {@code className}: {@code axis} an int or a list, {@code keepdims}. */
    public static Reduce fromConfig(String className, JsonNode config) {
        Reductions.Kind kind = Reductions.Kind.valueOf(className.toUpperCase(Locale.ROOT));
        ConfigReader r = new ConfigReader(className, config);
        String name = r.string("name", null);
        if (name == null) name = LayerNames.next(className);
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        Axes axis = axisOf(className, r);
        boolean keepdims = r.bool("keepdims", false);
        JsonNode initial = r.node("initial");
        if (!initial.isNull()) {
            throw new IllegalArgumentException(className + " with initial=" + initial + " is not supported by kdnn");
        }
        if (kind == Reductions.Kind.NORM) {
            // the Euclidean norm of a vector (ord None or 2) or the Frobenius norm over two axes (None or "fro"),
            // tf.norm's default "euclidean" either way; Keras' other orders are refused by name
            JsonNode ord = r.node("ord");
            int axes = axis.values().length;
            boolean euclidean = ord.isNull() || ord.isTextual() && ord.asText().equals("euclidean")
                    || axes == 1 && ord.isNumber() && ord.asDouble() == 2 || axes == 2 && ord.isTextual() && ord.asText().equals("fro");
            if (!euclidean || axes > 2) {
                throw new IllegalArgumentException("Norm with ord=" + ord + " over " + axes + " axes is not supported by"
                        + " kdnn: it computes the Euclidean norm (ord None or 2 over one axis, None or \"fro\" over two)");
            }
        }
        r.finish();
        return Layer.builtFor(new Reduce(name, batchInputShape, trainable, kind, axis, keepdims), batchInputShape);
    }

    /** A reduction's {@code axis} from its config: an int or a non-empty list; None (every axis, the batch's too) refused. */
    static Axes axisOf(String className, ConfigReader r) {
        JsonNode a = r.node("axis");
        Axes axis;
        if (a.isArray()) axis = Axes.ofList(ConfigReader.tuple("axis", a, a.size()));
        else if (a.isIntegralNumber()) axis = Axes.of(ConfigReader.toInt("axis", a));
        else if (a.isNull()) throw new IllegalArgumentException(className + " over every axis (axis=None) reduces the"
                + " batch axis too, mixing a call's samples: not supported by kdnn. Received: axis=None");
        else throw ConfigReader.bad("axis", a, "an int or a list of ints");
        if (axis.values().length == 0) {
            throw new IllegalArgumentException(className + " `axis` must name at least one axis. Received: axis=[]");
        }
        return axis;
    }

    @Override
    public String tfFunction() {
        return switch (kind) {
            case NORM -> "norm";
            case VAR -> "math.reduce_variance";
            default -> "math.reduce_" + kind.name().toLowerCase(Locale.ROOT);
        };
    }

    @Override
    public String keras3Module() {
        return kind == Reductions.Kind.NORM ? "keras.src.ops.linalg" : "keras.src.ops.numpy";
    }

    @Override
    public String className() {
        return CLASS_NAMES.get(kind.ordinal());
    }

    /** The axes reduced, as given. */
    public int[] axis() {
        ensureOpen();
        return axis.values().clone();
    }

    /** Keras' {@code keepdims}: the reduced axes kept with length 1. */
    public boolean keepdims() {
        ensureOpen();
        return keepdims;
    }

    /** The reduced axes among an input's {@code rank} axes. */
    private boolean[] reduced(long[] shape) {
        return reducedAxes(this, axis, shape);
    }

    /** Which of an input's axes {@code axis} reduces (TensorFlow's count, negatives from the end), or the layer's refusal. */
    static boolean[] reducedAxes(Layer layer, Axes axis, long[] shape) {
        int rank = shape.length;
        boolean[] out = new boolean[rank];
        for (int a : axis.values()) {
            if (a < -rank || a >= rank) {
                throw layer.incompatible(shape, "Invalid reduction dimension " + a + " for input with " + rank + " dimensions");
            }
            int d = a < 0 ? a + rank : a;
            if (d == 0) {
                throw layer.incompatible(shape, "kdnn keeps the batch axis; axis=" + Shapes.format(axis.values()) + " reduces it");
            }
            if (out[d]) throw layer.incompatible(shape, "axis=" + Shapes.format(axis.values()) + " names axis " + d + " twice");
            out[d] = true;
        }
        return out;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        return reducedShape(this, axis, keepdims, shape);
    }

    /** The shape {@code axis} reduces an input to, the reduced axes kept with length 1 where {@code keepdims}. */
    static long[] reducedShape(Layer layer, Axes axis, boolean keepdims, long[] shape) {
        boolean[] reduced = reducedAxes(layer, axis, shape);
        for (int d = 1; d < shape.length; d++) {
            if (shape[d] == 0 || shape[d] < -1) throw layer.incompatible(shape, "every dimension but the batch must be positive");
        }
        long[] out = new long[shape.length];
        int n = 0;
        for (int d = 0; d < shape.length; d++) {
            if (!reduced[d]) out[n++] = shape[d];
            else if (keepdims) out[n++] = 1;
        }
        return java.util.Arrays.copyOf(out, n);
    }

    @Override
    protected void createWeights(long[] inputShape) {
        // no weights
    }

    @Override
    long work(long[] inputShape) {
        return ElementwiseLayer.count(inputShape);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        boolean[] reduced = reduced(inputShape);
        long[] dst = inputShape.clone();
        for (int d = 0; d < dst.length; d++) if (reduced[d]) dst[d] = 1;
        return Reductions.reduce(kind, inputShape, dst);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.set("axis", axis.toJson());
        c.put("keepdims", keepdims);
        if (kind == Reductions.Kind.NORM) c.putNull("ord"); // the Euclidean (or Frobenius) norm
        return c;
    }
}
