package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.runtime.Pipeline;

/**
 * Keras' CategoryEncoding: integer category indices in {@code [0, num_tokens)} to float vectors of
 * {@code num_tokens} values. {@code one_hot}: each index (an input {@code (batch,)} or
 * {@code (batch, 1)}) to its own vector; {@code multi_hot} (tf.keras' {@code binary}): 1 where an
 * index of the sample occurs; {@code count}: how often it occurs (the sample: an input's last axis,
 * {@code (batch, n)}). The indices come as float32 values (an integer model input, or a layer's
 * output); a value that is not a whole number in range is refused at the call, naming it and its
 * position, as tf.keras and TensorFlow.js refuse it (Keras 3's backends differ there). Keras'
 * outputs above rank 2 and its rank-1 {@code multi_hot} and {@code count} (which take the whole
 * batch as one sample) are refused; {@code sparse} outputs too.
 */
public final class CategoryEncoding extends Layer {
    /** Keras' class name, {@code "CategoryEncoding"}. */
    public static final String CLASS_NAME = "CategoryEncoding";

    /** Keras' output modes. */
    public enum Mode {
        ONE_HOT("one_hot"), MULTI_HOT("multi_hot"), COUNT("count");

        private final String keras;

        Mode(String keras) {
            this.keras = keras;
        }

        /** Keras' name, e.g. {@code "multi_hot"}. */
        public String kerasName() {
            return keras;
        }
    }

    private final int numTokens;
    private final Mode mode;

    private CategoryEncoding(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.numTokens = b.numTokens;
        this.mode = b.mode;
    }

    /** Arguments of CategoryEncoding; checked as Keras checks them. */
    public static final class Builder extends LayerBuilder<Builder, CategoryEncoding> {
        Integer numTokens;
        Mode mode = Mode.MULTI_HOT;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code num_tokens}. */
        public Builder numTokens(int numTokens) { this.numTokens = numTokens; return this; }
        /** Keras' {@code output_mode}. */
        public Builder outputMode(Mode mode) { this.mode = mode; return this; }

        @Override
        void validate() {
            if (numTokens == null) {
                throw new IllegalArgumentException("num_tokens must be set to use this layer. If the number of tokens is"
                        + " not known beforehand, use the IntegerLookup layer instead.");
            }
            if (numTokens < 1) {
                throw new IllegalArgumentException("`num_tokens` must be >= 1. Received: num_tokens=" + numTokens + ".");
            }
            if (mode == null) throw new IllegalArgumentException("`output_mode` must not be null");
        }

        @Override
        CategoryEncoding make() {
            return new CategoryEncoding(this);
        }
    }

    /** A builder of {@code num_tokens} categories, {@code multi_hot} (Keras' default). */
    public static Builder builder(int numTokens) {
        return new Builder().numTokens(numTokens);
    }

    /** Keras' {@code from_config}. */
    public static CategoryEncoding fromConfig(JsonNode config) {
        Builder b = new Builder();
        ConfigReader r = b.readBase(config);
        JsonNode n = r.node("num_tokens");
        if (!n.isNull()) b.numTokens = ConfigReader.toInt("num_tokens", n);
        String m = r.string("output_mode", "multi_hot");
        b.mode = switch (m) {
            case "one_hot" -> Mode.ONE_HOT;
            case "multi_hot", "binary" -> Mode.MULTI_HOT; // tf.keras' former name
            case "count" -> Mode.COUNT;
            default -> throw new IllegalArgumentException("Unknown arg for output_mode: " + m);
        };
        refuseSparse(r, CLASS_NAME);
        r.finish();
        return b.build();
    }

    /** Keras' {@code sparse}: only its default, a dense output. */
    static void refuseSparse(ConfigReader r, String className) {
        if (r.bool("sparse", false)) {
            throw new IllegalArgumentException(className + ": `sparse=True` (a sparse output) is not supported; kdnn"
                    + " computes dense tensors");
        }
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** Keras' {@code num_tokens}. */
    public int numTokens() {
        return numTokens;
    }

    /** Keras' {@code output_mode}. */
    public Mode outputMode() {
        return mode;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        return encodedShape(this, shape, mode, numTokens);
    }

    /**
     * Keras' encode_categorical_inputs' output shape for indices of {@code shape} ({@code (batch,)} or
     * {@code (batch, n)}): {@code (batch, depth)}; what it refuses or would give without a batch axis, refused.
     */
    static long[] encodedShape(Layer owner, long[] shape, Mode mode, int depth) {
        if (shape.length < 1 || shape.length > 2) {
            throw owner.incompatible(shape, "expected the indices as (batch,) or (batch, n), found ndim=" + shape.length);
        }
        for (int a = 1; a < shape.length; a++) {
            if (shape[a] <= 0) throw owner.incompatible(shape, "every dimension but the batch must be positive");
        }
        if (mode == Mode.ONE_HOT && shape.length == 2 && shape[1] != 1) {
            throw new IllegalArgumentException("When output_mode is not `'int'`, maximum supported output rank is 2."
                    + " Received output_mode " + mode.kerasName() + " and input shape " + Shapes.format(shape)
                    + ", which would result in output rank 3. (layer \"" + owner.name() + "\")");
        }
        if (mode != Mode.ONE_HOT && shape.length == 1) {
            throw owner.incompatible(shape, "output_mode " + mode.kerasName() + " treats the last axis as the sample, so"
                    + " Keras encodes a rank-1 input as one sample for the whole batch; give the indices as (batch, n)");
        }
        return new long[] {shape[0], depth};
    }

    @Override
    protected void createWeights(long[] inputShape) {
        // no weights
    }

    @Override
    long work(long[] inputShape) {
        return Math.max(inputShape[0], 0) * (long) numTokens;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        long batch = inputShape[0];
        long perSample = inputShape.length == 2 ? inputShape[1] : 1;
        return Pipeline.ofJava((from, to) -> encode(this, from, to, batch, perSample, numTokens,
                mode));
    }

    /** Each sample's {@code perSample} indices into its {@code depth} values; an index not in range refused. */
    static void encode(Layer owner, MemorySegment ids, MemorySegment out, long batch, long perSample, int numTokens,
                       Mode mode) {
        out.asSlice(0, batch * numTokens * Float.BYTES).fill((byte) 0);
        for (long s = 0; s < batch; s++) {
            for (long i = 0; i < perSample; i++) {
                long at = s * perSample + i;
                float v = ids.getAtIndex(ValueLayout.JAVA_FLOAT, at);
                if (!(v >= 0 && v < numTokens && v == Math.rint(v))) {
                    throw new IllegalArgumentException("layer \"" + owner.name() + "\" (" + owner.className() + "): input value " + v
                            + " at position " + at + " is not a category index; input values must be in the range"
                            + " 0 <= values < num_tokens with num_tokens=" + numTokens);
                }
                long to = s * numTokens + (long) v;
                float now = out.getAtIndex(ValueLayout.JAVA_FLOAT, to);
                out.setAtIndex(ValueLayout.JAVA_FLOAT, to, mode == Mode.COUNT ? now + 1 : 1f);
            }
        }
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("num_tokens", numTokens);
        c.put("output_mode", mode.kerasName());
        c.put("sparse", false);
        return c;
    }
}
