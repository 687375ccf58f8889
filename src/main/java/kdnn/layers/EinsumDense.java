package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.Tensor;
import kdnn.keras.Initializer;
import kdnn.keras.VarianceScaling;
import kdnn.runtime.Convolutions;
import kdnn.runtime.Einsums;
import kdnn.runtime.Pipeline;

/**
 * Keras' EinsumDense: {@code activation(einsum(equation, x, kernel) + bias)}, the dense layer of
 * transformers' projections ({@code "abc,cde->abde"}: features to heads) and of any contraction
 * Keras' equation forms allow ({@code [X],[Y]->[Z]}, with {@code ...} on the left or the right).
 * The kernel's and bias's shapes follow from the equation, the input and {@code output_shape} as
 * Keras derives them; {@code bias_axes} names the output axes the bias varies along. One oneDNN
 * matmul ({@link Einsums}): a reorder before it only where the input's axes are not in the
 * matmul's order, one after it only where the output's are not. Keras 3's LoRA arguments are read
 * (Keras saves the kernel with the update merged); a quantized layer is refused.
 */
public final class EinsumDense extends Layer {
    /** Keras' class name, {@code "EinsumDense"}. */
    public static final String CLASS_NAME = "EinsumDense";

    private final EinsumEquation equation;
    private final Long[] outputShape; // Keras' partial output_shape: without the batch, null where unknown
    private final boolean outputShapeInt;
    private final String biasAxes;
    private final Activation activation;
    private final KernelArguments weights;
    private final WeightBounds extremes = new WeightBounds(this::makeExtremes);

    private EinsumDense(String name, long[] batchInputShape, boolean trainable, EinsumEquation equation,
                        Long[] outputShape, boolean outputShapeInt, String biasAxes, Activation activation,
                        KernelArguments weights) {
        super(name, batchInputShape, trainable);
        this.equation = equation;
        this.outputShape = outputShape;
        this.outputShapeInt = outputShapeInt;
        this.biasAxes = biasAxes;
        this.activation = activation;
        this.weights = weights;
    }

    /** Keras' {@code from_config}. */
    public static EinsumDense fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        if (name == null) name = LayerNames.next(CLASS_NAME);
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        JsonNode eq = r.node("equation");
        if (eq.isNull()) throw new IllegalArgumentException("EinsumDense needs the argument `equation`");
        if (!eq.isTextual()) throw ConfigReader.bad("equation", eq, "an einsum equation string such as \"ab,bc->ac\"");
        EinsumEquation equation = EinsumEquation.parse(eq.asText());
        JsonNode os = r.node("output_shape");
        if (os.isNull()) throw new IllegalArgumentException("EinsumDense needs the argument `output_shape`");
        Long[] outputShape;
        if (os.isIntegralNumber()) {
            outputShape = new Long[] {os.asLong()};
        } else if (os.isArray()) {
            outputShape = new Long[os.size()];
            for (int i = 0; i < os.size(); i++) {
                JsonNode d = os.get(i);
                if (!d.isNull() && !d.isIntegralNumber()) throw ConfigReader.bad("output_shape", os, "ints or None");
                outputShape[i] = d.isNull() ? null : d.asLong();
            }
        } else {
            throw ConfigReader.bad("output_shape", os, "an int or a list of ints (None where unknown)");
        }
        for (Long d : outputShape) {
            if (d != null && d <= 0) throw ConfigReader.bad("output_shape", os, "positive lengths");
        }
        JsonNode bias = r.node("bias_axes");
        if (!bias.isNull() && !bias.isTextual()) throw ConfigReader.bad("bias_axes", bias, "a string of output letters");
        String biasAxes = bias.isNull() ? null : bias.asText();
        if (biasAxes != null) {
            for (char c : biasAxes.toCharArray()) {
                if (equation.output().indexOf(c) < 0) {
                    throw new IllegalArgumentException("Bias dimension '" + c + "' was requested, but is not part of the"
                            + " output spec '" + equation.output() + "'");
                }
            }
        }
        JsonNode act = r.node("activation");
        Activation activation = Activation.parse(act.isNull() ? null : act.isTextual() ? act.asText()
                : act.path("class_name").asText(act.toString()));
        KernelArguments weights = new KernelArguments();
        weights.read(r);
        ConfigReader.loraArguments(r);
        JsonNode quantization = r.node("quantization_config");
        if (!quantization.isNull()) {
            throw new IllegalArgumentException("EinsumDense: `quantization_config`=" + quantization + " is not supported"
                    + " (kdnn runs float32 kernels)");
        }
        JsonNode gptq = r.node("gptq_unpacked_column_size");
        if (!gptq.isNull()) {
            throw new IllegalArgumentException("EinsumDense: `gptq_unpacked_column_size`=" + gptq + " (a GPTQ-quantized"
                    + " kernel) is not supported (kdnn runs float32 kernels)");
        }
        r.finish();
        return Layer.builtFor(new EinsumDense(name, batchInputShape, trainable, equation, outputShape,
                os.isIntegralNumber(), biasAxes, activation, weights), batchInputShape);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** Keras' {@code equation}. */
    public String equation() {
        ensureOpen();
        return equation.equation();
    }

    /** Keras' {@code activation}. */
    public Activation activation() {
        ensureOpen();
        return activation;
    }

    /** Keras' analysis; an axis of unknown length (-1) may pass through to the output, not into the kernel or bias. */
    private EinsumEquation.Shapes shapes(long[] inputShape) {
        for (int a = 1; a < inputShape.length; a++) {
            if (inputShape[a] == 0 || inputShape[a] < -1) {
                throw incompatible(inputShape, "every dimension but the batch must be positive or unknown (None)");
            }
        }
        return equation.analyze(inputShape, outputShape, biasAxes);
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        EinsumEquation.Shapes s;
        try {
            s = shapes(shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (EinsumDense) cannot take input shape "
                    + Shapes.format(shape) + ": " + e.getMessage(), e);
        }
        if (isBuilt() && !java.util.Arrays.equals(s.kernelShape(), variables.get(0).shape)) {
            throw incompatible(shape, "its kernel is " + Shapes.format(toLong(variables.get(0).shape)) + ", this input"
                    + " needs " + Shapes.format(toLong(s.kernelShape())));
        }
        return s.outputShape();
    }

    private static long[] toLong(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }

    @Override
    protected void createWeights(long[] inputShape) {
        EinsumEquation.Shapes s = shapes(inputShape);
        // Keras 3 draws a variance-scaling kernel with its fans over the kernel's input and output axes
        Initializer kernel = weights.kernelInitializer instanceof VarianceScaling v
                ? v.overAxes(s.inputAxes(), s.outputAxes()) : weights.kernelInitializer;
        variables.add(new Variable("kernel", s.kernelShape(), arena, kernel, weights.kernelRegularizer,
                weights.kernelConstraint));
        if (s.biasShape() != null) variables.add(weights.bias(s.biasShape(), arena));
    }

    @Override
    long work(long[] inputShape) {
        long n = Math.max(Shapes.product(computeOutputShape(inputShape)), 0);
        for (char c : equation.input().toCharArray()) {
            if (equation.output().indexOf(c) < 0) n *= Math.max(inputShape[equation.input().indexOf(c)
                    + (equation.ellipsis() == EinsumEquation.Ellipsis.LEFT ? inputShape.length - equation.input().length()
                    : 0)], 1);
        }
        return n;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        Activation act = variant.preActivation() ? Activation.LINEAR : activation;
        long[] out = computeOutputShape(inputShape);
        Convolutions.Tail tail = act.tail(out.length - 1, out[out.length - 1], 1);
        String[] specs = equation.fullSpecs(inputShape.length);
        long[] bias = null;
        if (variables.size() > 1) {
            // Keras adds the bias aligned to the output's last axes
            int[] own = variables.get(1).shape;
            bias = new long[out.length];
            java.util.Arrays.fill(bias, 1);
            for (int i = 0; i < own.length; i++) bias[out.length - own.length + i] = own[i];
        }
        Einsums.Spec spec = new Einsums.Spec(specs[0], inputShape, equation.kernel(), toLong(variables.get(0).shape),
                specs[1], out, bias);
        return Einsums.contraction(spec, variables.get(0).data(), variables.size() > 1 ? variables.get(1).data() : null,
                act.postOps(), tail);
    }

    @Override
    void weightsChanged() {
        extremes.invalidate();
    }

    /** Bounds for Keras' extreme values: per output, the sum of |kernel| over what it sums, and the largest |bias|. */
    private KerasExtremes makeExtremes() {
        Variable kernel = variables.get(0);
        int[] shape = kernel.shape;
        String letters = equation.kernel();
        // the kernel's axes that an output keeps (its batch axes and columns) index the sums
        long groups = 1;
        for (int a = 0; a < shape.length; a++) if (equation.output().indexOf(letters.charAt(a)) >= 0) groups *= shape[a];
        double[] sums = new double[Math.toIntExact(groups)];
        long count = Shapes.product(toLong(shape));
        MemorySegment data = kernel.data();
        long[] strides = kdnn.runtime.MemoryDesc.rowMajorStrides(toLong(shape));
        for (long i = 0; i < count; i++) {
            long g = 0;
            for (int a = 0; a < shape.length; a++) {
                if (equation.output().indexOf(letters.charAt(a)) >= 0) g = g * shape[a] + (i / strides[a]) % shape[a];
            }
            sums[(int) g] += Math.abs(data.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        }
        double gain = 0;
        for (double v : sums) gain = Math.max(gain, v);
        long[] built = builtInputShape();
        for (char c : equation.input().toCharArray()) {
            if (equation.output().indexOf(c) >= 0 || letters.indexOf(c) >= 0) continue;
            // an axis only the input has is summed: its length multiplies the bound
            int at = equation.input().indexOf(c) + (equation.ellipsis() == EinsumEquation.Ellipsis.LEFT
                    ? built.length - equation.input().length() : 0);
            gain = built[at] > 0 ? gain * built[at] : Double.POSITIVE_INFINITY;
        }
        double bias = variables.size() > 1 ? KerasExtremes.maxMagnitude(variables.get(1).data()) : 0;
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

    @Override
    public double activityPenalty(Tensor output) {
        ensureOpen();
        return weights.activityPenalty(output);
    }

    /** Keras' config keys, in Keras' order. */
    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        if (outputShapeInt) {
            c.put("output_shape", outputShape[0]);
        } else {
            ArrayNode os = c.putArray("output_shape");
            for (Long d : outputShape) {
                if (d == null) os.addNull(); else os.add(d);
            }
        }
        c.put("equation", equation.equation());
        c.put("activation", activation.kerasName());
        if (biasAxes == null) c.putNull("bias_axes"); else c.put("bias_axes", biasAxes);
        weights.write(c);
        return c;
    }
}
