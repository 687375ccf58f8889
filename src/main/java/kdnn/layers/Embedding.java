package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.keras.Constraint;
import kdnn.keras.Constraints;
import kdnn.keras.Initializer;
import kdnn.keras.Initializers;
import kdnn.keras.Regularizer;
import kdnn.keras.Regularizers;
import kdnn.runtime.Pipeline;

/**
 * Keras' {@code Embedding}: row {@code i} of the {@code (input_dim, output_dim)} table for each
 * index {@code i} of the input, the output shaped {@code input_shape + (output_dim,)} (the text
 * front of Conv1D classifiers). kdnn's tensors are float32: an index is the value truncated toward
 * zero, as Keras' cast of a float input to int32 truncates it; one outside {@code [0, input_dim)}
 * (or NaN) is refused at the call, as TensorFlow's CPU lookup refuses it. A copy of rows, in Java.
 */
public final class Embedding extends Layer {
    /** Keras' class name, {@code "Embedding"}. */
    public static final String CLASS_NAME = "Embedding";

    private final int inputDim;
    private final int outputDim;
    private final Initializer initializer;
    private final Regularizer regularizer;
    private final Regularizer activityRegularizer;
    private final Constraint constraint;
    private final JsonNode inputLength; // Keras 2's input_length: null, a number or a list (null entries free)
    private final boolean maskZero;

    private Embedding(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.inputDim = b.inputDim;
        this.outputDim = b.outputDim;
        this.initializer = b.initializer;
        this.regularizer = b.regularizer;
        this.activityRegularizer = b.activityRegularizer;
        this.constraint = b.constraint;
        this.inputLength = b.inputLength;
        this.maskZero = b.maskZero;
    }

    /** Keras' arguments: {@code input_dim} and {@code output_dim} (required), the table's initializer and others. */
    public static final class Builder extends LayerBuilder<Builder, Embedding> {
        int inputDim = -1;
        int outputDim = -1;
        Initializer initializer = Initializers.get("uniform");
        Regularizer regularizer;
        Regularizer activityRegularizer;
        Constraint constraint;
        JsonNode inputLength = JsonNodeFactory.instance.nullNode();
        boolean maskZero;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code input_dim}: the number of rows (indices 0 to input_dim - 1). */
        public Builder inputDim(int n) { this.inputDim = n; return this; }
        /** Keras' {@code output_dim}: the length of a row. */
        public Builder outputDim(int n) { this.outputDim = n; return this; }
        /** Keras' {@code embeddings_initializer} (default {@code "uniform"}, RandomUniform(-0.05, 0.05)). */
        public Builder embeddingsInitializer(Initializer i) { this.initializer = i; return this; }
        /**
         * Keras' {@code mask_zero}: index 0 is padding. In a model the output carries the mask
         * {@code inputs != 0}, which recurrent layers and {@code GlobalAveragePooling1D} after it read.
         */
        public Builder maskZero(boolean m) { this.maskZero = m; return this; }

        @Override
        void validate() {
            if (inputDim <= 0 || outputDim <= 0) {
                throw new IllegalArgumentException("Both `input_dim` and `output_dim` should be positive, Received"
                        + " input_dim = " + inputDim + " and output_dim = " + outputDim);
            }
            if (initializer == null) throw new IllegalArgumentException("Embedding: `embeddings_initializer` must not be null");
        }

        @Override
        Embedding make() {
            return new Embedding(this);
        }
    }

    /** A builder ({@code input_dim} and {@code output_dim} must be set). */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static Embedding fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.inputDim = dim(r, "input_dim");
        b.outputDim = dim(r, "output_dim");
        JsonNode init = r.node("embeddings_initializer");
        b.initializer = Initializers.get(init.isNull() ? TextNode.valueOf("uniform") : init);
        b.regularizer = ConfigReader.keras3Checked(Regularizers.get(r.node("embeddings_regularizer")));
        b.activityRegularizer = ConfigReader.keras3Checked(Regularizers.get(r.node("activity_regularizer")));
        b.constraint = Constraints.get(r.node("embeddings_constraint"));
        b.maskZero = r.bool("mask_zero", false);
        JsonNode length = r.node("input_length");
        if (Layers.readingVersion() == KerasVersion.KERAS_2) {
            checkInputLength(length);
            b.inputLength = length;
            if (b.batchInputShape == null && length.isIntegralNumber()) b.batchInputShape = new long[] {-1, length.asLong()};
        } // Keras 3 drops input_length (deprecated)
        ConfigReader.loraArguments(r); // Keras 3 saves a LoRA-tuned table merged into its embeddings
        if (r.bool("sparse", false)) {
            throw new IllegalArgumentException("Embedding: `sparse=True` is not supported (kdnn's outputs are dense)");
        }
        JsonNode quantization = r.node("quantization_config");
        if (!quantization.isNull()) {
            throw new IllegalArgumentException("Embedding: `quantization_config`=" + quantization + " is not supported"
                    + " (kdnn holds float32 tables)");
        }
        r.finish();
        return b.build();
    }

    private static int dim(ConfigReader r, String key) {
        JsonNode v = r.node(key);
        if (v.isNull()) throw new IllegalArgumentException("Embedding needs the argument `" + key + "`");
        return ConfigReader.toInt(key, v);
    }

    private static void checkInputLength(JsonNode length) {
        boolean ok = length.isNull() || length.isIntegralNumber() && length.asLong() > 0;
        if (length.isArray()) {
            ok = true;
            for (JsonNode d : length) ok &= d.isNull() || d.isIntegralNumber() && d.asLong() > 0;
        }
        if (!ok) {
            throw new IllegalArgumentException("Embedding: `input_length` must be None, a positive integer or a list of"
                    + " them. Received: input_length=" + length);
        }
    }

    /** Keras' {@code input_dim}. */
    public int inputDim() {
        return inputDim;
    }

    /** Keras' {@code output_dim}. */
    public int outputDim() {
        return outputDim;
    }

    /** Keras' {@code mask_zero}. */
    public boolean maskZero() {
        ensureOpen();
        return maskZero;
    }

    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        if (!maskZero) return kdnn.internal.MaskUse.DROPS; // Keras 3's compute_mask: None without mask_zero
        MaskLayer m = hidden("mask", () -> MaskLayer.notZero(name()));
        return new kdnn.internal.MaskUse(kdnn.internal.MaskUse.Kind.MAKES, m);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length == 0) throw incompatible(shape, "expected min_ndim=1, found ndim=0");
        long[] out = java.util.Arrays.copyOf(shape, shape.length + 1);
        out[shape.length] = outputDim;
        if (inputLength.isNull()) return out;
        // Keras 2: each given length must match the input's (None entries take the input's)
        JsonNode lengths = inputLength.isArray() ? inputLength : JsonNodeFactory.instance.arrayNode().add(inputLength);
        boolean ok = lengths.size() == shape.length - 1;
        for (int i = 0; ok && i < lengths.size(); i++) {
            long given = lengths.get(i).isNull() ? -1 : lengths.get(i).asLong();
            ok = given < 0 || shape[i + 1] < 0 || given == shape[i + 1];
            if (ok && given >= 0) out[i + 1] = given;
        }
        if (!ok) {
            throw new IllegalArgumentException("\"input_length\" is " + inputLength + ", but received input has shape "
                    + Shapes.format(shape));
        }
        return out;
    }

    @Override
    protected void createWeights(long[] inputShape) {
        variables.add(new Variable("embeddings", new int[] {inputDim, outputDim}, arena, initializer, regularizer,
                constraint));
    }

    @Override
    long work(long[] inputShape) {
        return Shapes.product(inputShape) * outputDim;
    }

    @Override
    double outputBound(double inputBound) {
        return Double.NaN; // rows of the table: no bound from the input's
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        long indices = Shapes.product(inputShape);
        return Pipeline.ofJava((from, to) -> lookUp(from, to, indices));
    }

    /** Each index's row into the output, in order; an index outside the table refused as TensorFlow does. */
    private void lookUp(MemorySegment ids, MemorySegment to, long indices) {
        MemorySegment table = variables.get(0).data();
        long rowBytes = (long) outputDim * Float.BYTES;
        for (long i = 0; i < indices; i++) {
            float v = ids.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            // Keras casts a float index to int32: truncation toward zero
            if (!(v > -1f && v < inputDim)) {
                throw new IllegalArgumentException("layer \"" + name() + "\" (Embedding): input value " + v + " at position "
                        + i + " is not an index in [0, " + inputDim + ") (TensorFlow: indices[" + i + "] = " + v
                        + " is not in [0, " + inputDim + "))");
            }
            MemorySegment.copy(table, (long) v * rowBytes, to, i * rowBytes, rowBytes);
        }
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("input_dim", inputDim);
        c.put("output_dim", outputDim);
        c.set("embeddings_initializer", initializer.toConfig());
        c.set("embeddings_regularizer", regularizer == null ? JsonNodeFactory.instance.nullNode() : regularizer.toConfig());
        c.set("activity_regularizer", activityRegularizer == null ? JsonNodeFactory.instance.nullNode()
                : activityRegularizer.toConfig());
        c.set("embeddings_constraint", constraint == null ? JsonNodeFactory.instance.nullNode() : constraint.toConfig());
        c.put("mask_zero", maskZero);
        if (!inputLength.isNull()) c.set("input_length", inputLength);
        return c;
    }
}
