package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.Tensor;
import kdnn.runtime.Convolutions;
import kdnn.runtime.InnerProducts;
import kdnn.runtime.Pipeline;

/**
 * Keras' Dense: {@code activation(x . kernel + bias)} over the last axis of an input of any
 * rank >= 2 (Keras' tensordot), kernel {@code (in, units)}. A 2D input runs oneDNN's
 * inner product; the rows of a higher-rank input (its leading axes taken as one) run matmul.
 * The activation fuses as post-ops; softmax and log_softmax run over the units afterwards.
 */
public final class Dense extends Layer {
    /** Keras' class name, {@code "Dense"}. */
    public static final String CLASS_NAME = "Dense";

    private final int units;
    private final Activation activation;
    private final boolean useBias;
    private final KernelArguments weights;
    private final WeightBounds extremes = new WeightBounds(this::makeExtremes);

    private Dense(DenseBuilder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.units = b.units;
        this.activation = b.activation;
        this.useBias = b.useBias;
        this.weights = b.weights;
    }

    /** A builder with Keras' defaults (linear, bias, glorot_uniform kernel, zero bias). */
    public static DenseBuilder builder(int units) {
        return new DenseBuilder(Dense::new).units(units);
    }

    /** Keras' {@code from_config}. */
    public static Dense fromConfig(JsonNode config) {
        return new DenseBuilder(Dense::new).fromConfig(config).build();
    }

    /** Keras' Dense supports masking: the output carries the input's mask. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.MaskUse.PASSES;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** Keras' {@code units} argument. */
    public int units() {
        return units;
    }

    /** Keras' {@code activation} argument. */
    public Activation activation() {
        return activation;
    }

    /** Keras' {@code use_bias} argument. */
    public boolean useBias() {
        return useBias;
    }

    /**
     * A new Dense computing {@code activation(x . kernel + bias)} with this layer's units and
     * activation and the given values (kernel {@code (inputFeatures, units)} row-major, bias
     * {@code units}): what a planner makes when it folds a BatchNormalization into this layer.
     * Built for {@code inputFeatures}; the caller owns it.
     */
    public Dense withKernelAndBias(int inputFeatures, float[] kernel, float[] bias) {
        ensureOpen();
        Dense folded = builder(units).activation(activation).useBias(true).build();
        try {
            folded.build(-1, inputFeatures);
            folded.setWeights(List.of(new Weight("kernel", new int[] {inputFeatures, units}, kernel),
                    new Weight("bias", new int[] {units}, bias)));
            return folded;
        } catch (RuntimeException e) {
            folded.close();
            throw e;
        }
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length < 2) {
            throw incompatible(shape, "expected min_ndim=2, found ndim=" + shape.length);
        }
        long in = shape[shape.length - 1];
        if (in <= 0) {
            throw new IllegalArgumentException("The last dimension of the inputs to a Dense layer should be defined"
                    + " and positive. Found " + (in < 0 ? "None" : in) + " (layer \"" + name() + "\", input shape "
                    + Shapes.format(shape) + ")");
        }
        for (int a = 1; a < shape.length - 1; a++) {
            if (shape[a] == 0 || shape[a] < -1) {
                throw incompatible(shape, "every dimension but the batch must be positive");
            }
        }
        if (isBuilt() && in != variables.get(0).shape[0]) {
            throw incompatible(shape, "expected axis -1 of input shape to have value " + variables.get(0).shape[0]);
        }
        long[] out = shape.clone();
        out[out.length - 1] = units;
        return out;
    }

    @Override
    protected void createWeights(long[] inputShape) {
        int in = Math.toIntExact(inputShape[inputShape.length - 1]);
        variables.add(weights.kernel(new int[] {in, units}, arena));
        if (useBias) {
            variables.add(weights.bias(new int[] {units}, arena));
        }
    }

    private static long rows(long[] shape) {
        long rows = 1;
        for (int a = 0; a < shape.length - 1; a++) rows *= Math.max(shape[a], 0);
        return rows;
    }

    @Override
    long work(long[] inputShape) {
        return rows(inputShape) * inputShape[inputShape.length - 1] * units;
    }

    /** A residual Add fuses as a sum after the product when the activation runs whole as its post-ops. */
    @Override
    boolean acceptsSum() {
        return activation.onlyPostOps() && InnerProducts.fusesWhole(activation.postOps());
    }

    @Override
    void weightsChanged() {
        extremes.invalidate();
    }

    private KerasExtremes makeExtremes() {
        Variable kernel = variables.get(0);
        double gain = KerasExtremes.gain(kernel.data(), Shapes.product(kernel.shape), units, 1);
        double bias = useBias ? KerasExtremes.maxMagnitude(variables.get(1).data().asSlice(0, (long) units * Float.BYTES)) : 0;
        return new KerasExtremes(activation, DataFormat.CHANNELS_LAST, gain, bias);
    }

    @Override
    double outputBound(double inputBound) {
        return activation.bound(extremes.get().preActivationBound(inputBound));
    }

    @Override
    KerasExtremes kerasExtremes() {
        return activation.fusedKeepsExtremes() ? null : extremes.get();
    }

    /** Keras' row-major layout whatever the variant says (Dense has no data_format); the activation may be left out. */
    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        Activation act = variant.preActivation() ? Activation.LINEAR : activation;
        if (variant.sumIntoOutput()) { // a residual Add the plan fused: the output holds the other operand
            return InnerProducts.denseIntoSum(rows(inputShape), inputShape[inputShape.length - 1], units,
                    variables.get(0).data(), useBias ? variables.get(1).data() : null, act.postOps(),
                    variant.summandScale(), variant.afterSum() == null ? List.of() : variant.afterSum().postOps(),
                    inputShape.length > 2);
        }
        Convolutions.Tail tail = act.tail(1, units, 1);
        return InnerProducts.dense(rows(inputShape), inputShape[inputShape.length - 1], units, variables.get(0).data(),
                useBias ? variables.get(1).data() : null, act.postOps(), tail, inputShape.length > 2);
    }

    @Override
    public double activityPenalty(Tensor output) {
        ensureOpen();
        return weights.activityPenalty(output);
    }

    /** Keras' config keys, in Keras' order. */
    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("units", units);
        c.put("activation", activation.kerasName());
        c.put("use_bias", useBias);
        weights.write(c);
        return c;
    }
}
