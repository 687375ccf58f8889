package kdnn.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Runs one Keras 2 layer given as its JSON ({@code {"class_name": ..., "config": {...}}}) on one input,
 * with weights in Keras {@code get_weights()} order. Config, then input, then weights are checked,
 * so a bad configuration is refused for its own reason even when no weights are given.
 */
public final class ReferenceLayer {
    private ReferenceLayer() {
    }

    public static RefArray run(JsonNode layer, RefArray input, List<RefArray> weights) {
        return run(layer, input, weights, false);
    }

    /**
     * As {@link #run(JsonNode, RefArray, List)}; {@code keras3} applies Keras 3's rules where they
     * differ: depthwise and separable convolutions take strides and dilation above 1 together,
     * SeparableConv1D refuses causal padding, Conv3DTranspose uses its dilation_rate.
     */
    public static RefArray run(JsonNode layer, RefArray input, List<RefArray> weights, boolean keras3) {
        if (layer == null || !layer.path("class_name").isTextual()) {
            throw new IllegalArgumentException("layer needs a textual 'class_name'");
        }
        if (input == null) {
            throw new IllegalArgumentException("input must not be null");
        }
        List<RefArray> w = weights == null ? List.of() : weights;
        String cls = layer.get("class_name").asText();
        JsonNode config = layer.path("config").isObject() ? layer.get("config") : JsonNodeFactory.instance.objectNode();
        return switch (cls) {
            case "Conv1D" -> conv(config, 1, input, w);
            case "Conv2D" -> conv(config, 2, input, w);
            case "Conv3D" -> conv(config, 3, input, w);
            case "DepthwiseConv1D" -> depthwise(config, 1, input, w, keras3);
            case "DepthwiseConv2D" -> depthwise(config, 2, input, w, keras3);
            case "SeparableConv1D" -> separable(config, 1, input, w, keras3);
            case "SeparableConv2D" -> separable(config, 2, input, w, keras3);
            case "LocallyConnected1D" -> locallyConnected(config, 1, input, w);
            case "LocallyConnected2D" -> locallyConnected(config, 2, input, w);
            case "Conv1DTranspose" -> transposed(config, 1, input, w, true);
            case "Conv2DTranspose" -> transposed(config, 2, input, w, true);
            // tf-keras' Conv3DTranspose takes dilation_rate and ignores it
            case "Conv3DTranspose" -> transposed(config, 3, input, w, keras3);
            // Keras defaults: Cropping1D (1, 1), Cropping2D 0, Cropping3D 1 on every side
            case "Cropping1D" -> noWeights(cls, w, ReferenceShapeOps.crop(input, KerasConfig.pairs(config, "cropping", 1, 1), false));
            case "Cropping2D" -> noWeights(cls, w, ReferenceShapeOps.crop(input, KerasConfig.pairs(config, "cropping", 2, 0), KerasConfig.channelsFirst(config)));
            case "Cropping3D" -> noWeights(cls, w, ReferenceShapeOps.crop(input, KerasConfig.pairs(config, "cropping", 3, 1), KerasConfig.channelsFirst(config)));
            case "ZeroPadding1D" -> noWeights(cls, w, ReferenceShapeOps.zeroPad(input, KerasConfig.pairs(config, "padding", 1, 1), false));
            case "ZeroPadding2D" -> noWeights(cls, w, ReferenceShapeOps.zeroPad(input, KerasConfig.pairs(config, "padding", 2, 1), KerasConfig.channelsFirst(config)));
            case "ZeroPadding3D" -> noWeights(cls, w, ReferenceShapeOps.zeroPad(input, KerasConfig.pairs(config, "padding", 3, 1), KerasConfig.channelsFirst(config)));
            case "UpSampling1D" -> noWeights(cls, w, ReferenceShapeOps.upsample(input, KerasConfig.intTuple(config, "size", 1, 2), false));
            case "UpSampling2D" -> noWeights(cls, w, upsampling2d(config, input));
            case "UpSampling3D" -> noWeights(cls, w, ReferenceShapeOps.upsample(input, KerasConfig.intTuple(config, "size", 3, 2), KerasConfig.channelsFirst(config)));
            default -> throw new IllegalArgumentException("unsupported layer class '" + cls + "'");
        };
    }

    private static RefArray conv(JsonNode config, int r, RefArray input, List<RefArray> weights) {
        Conv c = Conv.read(config, r, input, true, false);
        // tf-keras: `self.groups = groups or 1`
        int groups = absentOr(config, "groups", 1) == 0 ? 1 : absentOr(config, "groups", 1);
        int channels = c.channels(input);
        if (groups < 1 || channels % groups != 0 || c.filters % groups != 0) {
            throw new IllegalArgumentException("groups=" + groups + " must divide the " + channels
                    + " input channels and the " + c.filters + " filters");
        }
        checkWeights(weights, c.useBias, "kernel");
        checkShape("kernel", weights.get(0), c.kernelShape(channels / groups, c.filters));
        RefArray bias = c.bias(weights, 1);
        RefArray y = ReferenceConv.conv(input, weights.get(0), bias, c.strides, c.padding, c.dilation, groups,
                c.channelsFirst);
        return ReferenceActivation.apply(c.activation, y);
    }

    /** tf.keras' LocallyConnected1D/2D: filters, kernel_size, strides, padding, implementation; weights as Keras lists them. */
    private static RefArray locallyConnected(JsonNode config, int r, RefArray input, List<RefArray> weights) {
        int filters = config.path("filters").asInt(0);
        if (filters < 1) throw new IllegalArgumentException("filters must be >= 1, got " + config.path("filters"));
        int[] kernel = KerasConfig.intTuple(config, "kernel_size", r, -1);
        int[] strides = KerasConfig.intTuple(config, "strides", r, 1);
        for (int a = 0; a < r; a++) {
            if (kernel[a] < 1 || strides[a] < 1) throw new IllegalArgumentException("kernel_size and strides must be >= 1");
        }
        String padding = config.path("padding").asText("valid").toLowerCase(Locale.ROOT);
        int implementation = config.path("implementation").asInt(1);
        if (implementation < 1 || implementation > 3) {
            throw new IllegalArgumentException("Unrecognized implementation mode: " + implementation);
        }
        if (!padding.equals("valid") && !(padding.equals("same") && implementation > 1)) {
            throw new IllegalArgumentException("padding " + padding + " with implementation " + implementation);
        }
        boolean bias = KerasConfig.bool(config, "use_bias", true);
        checkWeights(weights, bias, "kernel");
        return ReferenceLocallyConnected.apply(input, weights.get(0), bias ? weights.get(1) : null, filters, kernel,
                strides, padding.equals("same"), KerasConfig.channelsFirst(config), implementation,
                KerasConfig.activation(config));
    }

    private static RefArray depthwise(JsonNode config, int r, RefArray input, List<RefArray> weights, boolean keras3) {
        Conv c = Conv.read(config, r, input, false, keras3);
        refuseCausal(c, "DepthwiseConv" + r + "D");
        int dm = absentOr(config, "depth_multiplier", 1);
        if (dm < 1) {
            throw new IllegalArgumentException("depth_multiplier must be >= 1, got " + dm);
        }
        int channels = c.channels(input);
        checkWeights(weights, c.useBias, "depthwise_kernel");
        checkShape("depthwise_kernel", weights.get(0), c.kernelShape(channels, dm));
        RefArray bias = null;
        if (c.useBias) {
            checkShape("bias", weights.get(1), new int[] {channels * dm});
            bias = weights.get(1);
        }
        RefArray y = ReferenceConv.depthwise(input, weights.get(0), bias, c.strides, c.padding, c.dilation,
                c.channelsFirst, keras3);
        return ReferenceActivation.apply(c.activation, y);
    }

    private static void refuseCausal(Conv c, String cls) {
        if (Padding.parse(c.padding) == Padding.CAUSAL) {
            throw new IllegalArgumentException("'causal' padding is not defined for " + cls);
        }
    }

    private static RefArray separable(JsonNode config, int r, RefArray input, List<RefArray> weights, boolean keras3) {
        Conv c = Conv.read(config, r, input, true, keras3);
        if (keras3) {
            refuseCausal(c, "Keras 3's SeparableConv" + r + "D");
        }
        int dm = absentOr(config, "depth_multiplier", 1);
        if (dm < 1) {
            throw new IllegalArgumentException("depth_multiplier must be >= 1, got " + dm);
        }
        int channels = c.channels(input);
        checkWeights(weights, c.useBias, "depthwise_kernel", "pointwise_kernel");
        checkShape("depthwise_kernel", weights.get(0), c.kernelShape(channels, dm));
        int[] pointwise = new int[r + 2];
        Arrays.fill(pointwise, 1);
        pointwise[r] = channels * dm;
        pointwise[r + 1] = c.filters;
        checkShape("pointwise_kernel", weights.get(1), pointwise);
        RefArray bias = c.bias(weights, 2);
        RefArray y = ReferenceConv.separable(input, weights.get(0), weights.get(1), bias, c.strides, c.padding,
                c.dilation, c.channelsFirst, keras3);
        return ReferenceActivation.apply(c.activation, y);
    }

    private static RefArray transposed(JsonNode config, int r, RefArray input, List<RefArray> weights,
            boolean usesDilation) {
        Conv c = Conv.readTransposed(config, r, input);
        int[] outputPadding = KerasConfig.intTupleOrNull(config, "output_padding", r);
        int channels = c.channels(input);
        checkWeights(weights, c.useBias, "kernel");
        checkShape("kernel", weights.get(0), c.kernelShape(c.filters, channels)); // (k.., filters, in)
        RefArray bias = c.bias(weights, 1);
        int[] dilation = c.dilation;
        if (!usesDilation) {
            dilation = new int[r];
            Arrays.fill(dilation, 1);
        }
        RefArray y = ReferenceConv.transposed(input, weights.get(0), bias, c.strides, c.padding, dilation,
                outputPadding, c.channelsFirst);
        return ReferenceActivation.apply(c.activation, y);
    }

    private static RefArray upsampling2d(JsonNode config, RefArray input) {
        String interpolation = KerasConfig.absent(config, "interpolation") ? "nearest"
                : config.get("interpolation").asText().toLowerCase(Locale.ROOT);
        int[] size = KerasConfig.intTuple(config, "size", 2, 2);
        return switch (interpolation) {
            case "nearest" -> ReferenceShapeOps.upsample(input, size, KerasConfig.channelsFirst(config));
            case "bilinear" -> ReferenceShapeOps.upsampleBilinear(input, size, KerasConfig.channelsFirst(config));
            case "bicubic" -> {
                boolean first = KerasConfig.channelsFirst(config);
                int[] sh = input.shape();
                int h = first ? sh[2] : sh[1];
                int w = first ? sh[3] : sh[2];
                yield ReferenceShapeOps.resizeBicubic(input, h * size[0], w * size[1], first);
            }
            default -> {
                boolean first = KerasConfig.channelsFirst(config);
                int[] sh = input.shape();
                int h = first ? sh[2] : sh[1];
                int w = first ? sh[3] : sh[2];
                yield ReferenceShapeOps.resizeByKernel(interpolation, input, h * size[0], w * size[1], first);
            }
        };
    }

    /** The config of any convolution, read and checked against the input before the weights are. */
    private record Conv(int filters, int[] kernelSize, int[] strides, int[] dilation, String padding,
            boolean channelsFirst, boolean useBias, String activation) {

        static Conv read(JsonNode config, int r, RefArray input, boolean hasFilters, boolean stridesWithDilation) {
            Conv c = readCommon(config, r, input, hasFilters);
            // refuses causal on 2D/3D, strides with dilation, and kernels that leave no output
            ReferenceConv.checkStridesAndDilation(r, c.strides, c.dilation, stridesWithDilation);
            ConvGeometry.forward(c.spatial(input), c.kernelSize, c.strides, c.dilation, Padding.parse(c.padding));
            return c;
        }

        static Conv readTransposed(JsonNode config, int r, RefArray input) {
            Conv c = readCommon(config, r, input, true);
            ReferenceConv.checkStridesAndDilation(r, c.strides, c.dilation, false);
            if (Padding.parse(c.padding) == Padding.CAUSAL) {
                throw new IllegalArgumentException("'causal' padding is not defined for transposed convolutions");
            }
            return c;
        }

        private static Conv readCommon(JsonNode config, int r, RefArray input, boolean hasFilters) {
            // a depthwise convolution has no filters: its output channels follow from the input's
            int filters = hasFilters ? KerasConfig.requiredInt(config, "filters") : 1;
            if (filters < 1) {
                throw new IllegalArgumentException("filters must be >= 1, got " + filters);
            }
            int[] kernelSize = KerasConfig.intTuple(config, "kernel_size", r, -1);
            for (int k : kernelSize) {
                if (k < 1) {
                    throw new IllegalArgumentException("kernel_size must be given and >= 1, got "
                            + config.get("kernel_size"));
                }
            }
            Conv c = new Conv(filters, kernelSize,
                    KerasConfig.intTuple(config, "strides", r, 1),
                    KerasConfig.intTuple(config, "dilation_rate", r, 1),
                    KerasConfig.padding(config),
                    KerasConfig.channelsFirst(config),
                    KerasConfig.bool(config, "use_bias", true),
                    KerasConfig.activation(config));
            if (input.rank() != r + 2) {
                throw new IllegalArgumentException("a " + r + "D convolution needs a rank " + (r + 2)
                        + " input (batch, spatial..., channels), got " + Arrays.toString(input.shape()));
            }
            return c;
        }

        int channels(RefArray input) {
            return input.shape()[channelsFirst ? 1 : input.rank() - 1];
        }

        int[] spatial(RefArray input) {
            int from = channelsFirst ? 2 : 1;
            return Arrays.copyOfRange(input.shape(), from, from + kernelSize.length);
        }

        int[] kernelShape(int c1, int c2) {
            int r = kernelSize.length;
            int[] shape = Arrays.copyOf(kernelSize, r + 2);
            shape[r] = c1;
            shape[r + 1] = c2;
            return shape;
        }

        RefArray bias(List<RefArray> weights, int index) {
            if (!useBias) {
                return null;
            }
            checkShape("bias", weights.get(index), new int[] {filters});
            return weights.get(index);
        }
    }

    private static int absentOr(JsonNode config, String key, int dflt) {
        return KerasConfig.absent(config, key) ? dflt : KerasConfig.requiredInt(config, key);
    }

    private static void checkWeights(List<RefArray> weights, boolean useBias, String... kernels) {
        int expected = kernels.length + (useBias ? 1 : 0);
        if (weights.size() != expected) {
            throw new IllegalArgumentException("expected " + expected + " weights (" + String.join(", ", kernels)
                    + (useBias ? ", bias" : "") + "), got " + weights.size());
        }
    }

    private static void checkShape(String name, RefArray w, int[] expected) {
        if (!Arrays.equals(w.shape(), expected)) {
            throw new IllegalArgumentException(name + " must have shape " + Arrays.toString(expected) + ", got "
                    + Arrays.toString(w.shape()));
        }
    }

    private static RefArray noWeights(String cls, List<RefArray> weights, RefArray result) {
        if (!weights.isEmpty()) {
            throw new IllegalArgumentException(cls + " has no weights, got " + weights.size());
        }
        return result;
    }
}
