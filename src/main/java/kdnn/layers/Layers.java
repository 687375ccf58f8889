package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** Keras' layer (de)serialization: {@code {"class_name": ..., "config": {...}}}. */
public final class Layers {
    private static final Map<String, Function<JsonNode, Layer>> FROM_CONFIG = new LinkedHashMap<>();

    static {
        FROM_CONFIG.put(Conv1D.CLASS_NAME, Conv1D::fromConfig);
        FROM_CONFIG.put(Conv2D.CLASS_NAME, Conv2D::fromConfig);
        FROM_CONFIG.put(Conv3D.CLASS_NAME, Conv3D::fromConfig);
        FROM_CONFIG.put(Conv2DTranspose.CLASS_NAME, Conv2DTranspose::fromConfig);
        FROM_CONFIG.put(SeparableConv2D.CLASS_NAME, SeparableConv2D::fromConfig);
        FROM_CONFIG.put(SeparableConv1D.CLASS_NAME, SeparableConv1D::fromConfig);
        FROM_CONFIG.put(DepthwiseConv1D.CLASS_NAME, DepthwiseConv1D::fromConfig);
        FROM_CONFIG.put(DepthwiseConv2D.CLASS_NAME, DepthwiseConv2D::fromConfig);
        FROM_CONFIG.put(Conv1DTranspose.CLASS_NAME, Conv1DTranspose::fromConfig);
        FROM_CONFIG.put(LocallyConnected1D.CLASS_NAME, LocallyConnected1D::fromConfig);
        FROM_CONFIG.put(LocallyConnected2D.CLASS_NAME, LocallyConnected2D::fromConfig);
        FROM_CONFIG.put(Conv3DTranspose.CLASS_NAME, Conv3DTranspose::fromConfig);
        FROM_CONFIG.put(Cropping1D.CLASS_NAME, Cropping1D::fromConfig);
        FROM_CONFIG.put(Cropping2D.CLASS_NAME, Cropping2D::fromConfig);
        FROM_CONFIG.put(Cropping3D.CLASS_NAME, Cropping3D::fromConfig);
        FROM_CONFIG.put(UpSampling1D.CLASS_NAME, UpSampling1D::fromConfig);
        FROM_CONFIG.put(UpSampling2D.CLASS_NAME, UpSampling2D::fromConfig);
        FROM_CONFIG.put(UpSampling3D.CLASS_NAME, UpSampling3D::fromConfig);
        FROM_CONFIG.put(ZeroPadding1D.CLASS_NAME, ZeroPadding1D::fromConfig);
        FROM_CONFIG.put(ZeroPadding2D.CLASS_NAME, ZeroPadding2D::fromConfig);
        FROM_CONFIG.put(ZeroPadding3D.CLASS_NAME, ZeroPadding3D::fromConfig);
        FROM_CONFIG.put(Add.CLASS_NAME, Add::fromConfig);
        FROM_CONFIG.put(Subtract.CLASS_NAME, Subtract::fromConfig);
        FROM_CONFIG.put(Multiply.CLASS_NAME, Multiply::fromConfig);
        FROM_CONFIG.put(Average.CLASS_NAME, Average::fromConfig);
        FROM_CONFIG.put(Maximum.CLASS_NAME, Maximum::fromConfig);
        FROM_CONFIG.put(Minimum.CLASS_NAME, Minimum::fromConfig);
        FROM_CONFIG.put(Concatenate.CLASS_NAME, Concatenate::fromConfig);
        FROM_CONFIG.put(Dot.CLASS_NAME, Dot::fromConfig);
        FROM_CONFIG.put(InputLayer.CLASS_NAME, InputLayer::fromConfig);
        FROM_CONFIG.put(ActivationLayer.CLASS_NAME, ActivationLayer::fromConfig);
        FROM_CONFIG.put(ReLU.CLASS_NAME, ReLU::fromConfig);
        FROM_CONFIG.put(LeakyReLU.CLASS_NAME, LeakyReLU::fromConfig);
        FROM_CONFIG.put(ELU.CLASS_NAME, ELU::fromConfig);
        FROM_CONFIG.put(Rescaling.CLASS_NAME, Rescaling::fromConfig);
        // x / y: by a constant (config y), a constant by the tensor (config x), or by a second tensor
        FROM_CONFIG.put(TrueDivide.CLASS_NAME, c -> c.has("y") ? TrueDivide.fromConfig(c)
                : c.has("x") ? ConstantDivide.fromConfig(c) : TensorDivide.fromConfig(c));
        FROM_CONFIG.put(GetItem.CLASS_NAME, GetItem::fromConfig);
        FROM_CONFIG.put(Stack.CLASS_NAME, Stack::fromConfig);
        FROM_CONFIG.put(Squeeze.CLASS_NAME, Squeeze::fromConfig);
        FROM_CONFIG.put(Tile.CLASS_NAME, Tile::fromConfig);
        FROM_CONFIG.put(Repeat.CLASS_NAME, Repeat::fromConfig);
        FROM_CONFIG.put(Take.CLASS_NAME, Take::fromConfig);
        FROM_CONFIG.put(Moments.CLASS_NAME, Moments::fromConfig);
        for (String op : java.util.List.of(ArgReduce.ARGMAX, ArgReduce.ARGMIN)) FROM_CONFIG.put(op, c -> ArgReduce.fromConfig(op, c));
        FROM_CONFIG.put(LocalResponseNormalization.CLASS_NAME, LocalResponseNormalization::fromConfig);
        FROM_CONFIG.put(ConstantMatmul.CLASS_NAME, ConstantMatmul::fromConfig);
        FROM_CONFIG.put(PerImageStandardization.CLASS_NAME, PerImageStandardization::fromConfig);
        FROM_CONFIG.put(RgbToGrayscale.CLASS_NAME, RgbToGrayscale::fromConfig);
        FROM_CONFIG.put(Split.CLASS_NAME, Split::fromConfig);
        MathFunction.register(FROM_CONFIG);
        ConstantFunction.register(FROM_CONFIG);
        FROM_CONFIG.put(Embedding.CLASS_NAME, Embedding::fromConfig);
        FROM_CONFIG.put(Masking.CLASS_NAME, Masking::fromConfig);
        FROM_CONFIG.put(TimeDistributed.CLASS_NAME, TimeDistributed::fromConfig);
        FROM_CONFIG.put(Normalization.CLASS_NAME, Normalization::fromConfig);
        FROM_CONFIG.put(LayerNormalization.CLASS_NAME, LayerNormalization::fromConfig);
        FROM_CONFIG.put(GroupNormalization.CLASS_NAME, GroupNormalization::fromConfig);
        FROM_CONFIG.put(UnitNormalization.CLASS_NAME, UnitNormalization::fromConfig);
        FROM_CONFIG.put(Normalize.CLASS_NAME, Normalize::fromConfig);
        FROM_CONFIG.put(RMSNormalization.CLASS_NAME, RMSNormalization::fromConfig);
        FROM_CONFIG.put(Resizing.CLASS_NAME, Resizing::fromConfig);
        FROM_CONFIG.put(CenterCrop.CLASS_NAME, CenterCrop::fromConfig);
        FROM_CONFIG.put(RandomCrop.CLASS_NAME, RandomCrop::fromConfig);
        FROM_CONFIG.put(RandomResizedCrop.CLASS_NAME, RandomResizedCrop::fromConfig);
        FROM_CONFIG.put(AutoContrast.CLASS_NAME, AutoContrast::fromConfig);
        FROM_CONFIG.put(ContrastLimitedAdaptiveHistogramEqualization.CLASS_NAME,
                ContrastLimitedAdaptiveHistogramEqualization::fromConfig);
        FROM_CONFIG.put(CategoryEncoding.CLASS_NAME, CategoryEncoding::fromConfig);
        FROM_CONFIG.put(Discretization.CLASS_NAME, Discretization::fromConfig);
        FROM_CONFIG.put(ThresholdedReLU.CLASS_NAME, ThresholdedReLU::fromConfig);
        FROM_CONFIG.put(PReLU.CLASS_NAME, PReLU::fromConfig);
        FROM_CONFIG.put(Softmax.CLASS_NAME, Softmax::fromConfig);
        FROM_CONFIG.put(Dropout.CLASS_NAME, Dropout::fromConfig);
        FROM_CONFIG.put(SpatialDropout1D.CLASS_NAME, SpatialDropout1D::fromConfig);
        FROM_CONFIG.put(SpatialDropout2D.CLASS_NAME, SpatialDropout2D::fromConfig);
        FROM_CONFIG.put(SpatialDropout3D.CLASS_NAME, SpatialDropout3D::fromConfig);
        FROM_CONFIG.put(GaussianDropout.CLASS_NAME, GaussianDropout::fromConfig);
        FROM_CONFIG.put(GaussianNoise.CLASS_NAME, GaussianNoise::fromConfig);
        FROM_CONFIG.put(AlphaDropout.CLASS_NAME, AlphaDropout::fromConfig);
        FROM_CONFIG.put(ActivityRegularization.CLASS_NAME, ActivityRegularization::fromConfig);
        FROM_CONFIG.put(Identity.CLASS_NAME, Identity::fromConfig);
        FROM_CONFIG.put(StochasticDepth.CLASS_NAME, StochasticDepth::fromConfig);
        FROM_CONFIG.put(LayerScale.CLASS_NAME, LayerScale::fromConfig);
        FROM_CONFIG.put(CustomScaleLayer.CLASS_NAME, CustomScaleLayer::fromConfig);
        FROM_CONFIG.put(STFTSpectrogram.CLASS_NAME, STFTSpectrogram::fromConfig);
        FROM_CONFIG.put(MelSpectrogram.CLASS_NAME, MelSpectrogram::fromConfig);
        for (String augmentation : RandomAugmentation.ARGUMENTS.keySet()) {
            FROM_CONFIG.put(augmentation, c -> RandomAugmentation.fromConfig(augmentation, c));
        }
        FROM_CONFIG.put(Flatten.CLASS_NAME, Flatten::fromConfig);
        FROM_CONFIG.put(Reshape.CLASS_NAME, Reshape::fromConfig);
        FROM_CONFIG.put(Permute.CLASS_NAME, Permute::fromConfig);
        FROM_CONFIG.put(RepeatVector.CLASS_NAME, RepeatVector::fromConfig);
        FROM_CONFIG.put(BatchNormalization.CLASS_NAME, BatchNormalization::fromConfig);
        FROM_CONFIG.put("SyncBatchNormalization", BatchNormalization::fromSyncConfig);
        FROM_CONFIG.put(Dense.CLASS_NAME, Dense::fromConfig);
        FROM_CONFIG.put(EinsumDense.CLASS_NAME, EinsumDense::fromConfig);
        FROM_CONFIG.put(Pad.CLASS_NAME, Pad::fromConfig);
        FROM_CONFIG.put(SpectralNormalization.CLASS_NAME, SpectralNormalization::fromConfig);
        FROM_CONFIG.put(Matmul.CLASS_NAME, Matmul::fromConfig);
        FROM_CONFIG.put(Einsum.CLASS_NAME, Einsum::fromConfig);
        FROM_CONFIG.put(LogSumExp.CLASS_NAME, LogSumExp::fromConfig);
        for (String op : Reduce.CLASS_NAMES) FROM_CONFIG.put(op, c -> Reduce.fromConfig(op, c));
        for (String op : BlockShuffle.CLASS_NAMES) FROM_CONFIG.put(op, c -> BlockShuffle.fromConfig(op, c));
        FROM_CONFIG.put(MultiHeadAttention.CLASS_NAME, MultiHeadAttention::fromConfig);
        FROM_CONFIG.put(MultiHeadAttention.GROUPED_CLASS_NAME, MultiHeadAttention::fromGroupedConfig);
        FROM_CONFIG.put(Attention.CLASS_NAME, Attention::fromConfig);
        FROM_CONFIG.put(ConvLSTM1D.CLASS_NAME, ConvLSTM1D::fromConfig);
        FROM_CONFIG.put(ConvLSTM2D.CLASS_NAME, ConvLSTM2D::fromConfig);
        FROM_CONFIG.put(ConvLSTM3D.CLASS_NAME, ConvLSTM3D::fromConfig);
        FROM_CONFIG.put(AdditiveAttention.CLASS_NAME, AdditiveAttention::fromConfig);
        FROM_CONFIG.put(SimpleRNN.CLASS_NAME, SimpleRNN::fromConfig);
        FROM_CONFIG.put(LSTM.CLASS_NAME, LSTM::fromConfig);
        FROM_CONFIG.put(GRU.CLASS_NAME, GRU::fromConfig);
        FROM_CONFIG.put(LSTM.CUDNN_CLASS_NAME, LSTM::fromCudnnConfig);
        FROM_CONFIG.put(GRU.CUDNN_CLASS_NAME, GRU::fromCudnnConfig);
        FROM_CONFIG.put(Bidirectional.CLASS_NAME, Bidirectional::fromConfig);
        FROM_CONFIG.put(RNN.CLASS_NAME, RNN::fromConfig);
        FROM_CONFIG.put(MaxPooling1D.CLASS_NAME, MaxPooling1D::fromConfig);
        FROM_CONFIG.put(MaxPooling2D.CLASS_NAME, MaxPooling2D::fromConfig);
        FROM_CONFIG.put(MaxPooling3D.CLASS_NAME, MaxPooling3D::fromConfig);
        FROM_CONFIG.put(AveragePooling1D.CLASS_NAME, AveragePooling1D::fromConfig);
        FROM_CONFIG.put(AveragePooling2D.CLASS_NAME, AveragePooling2D::fromConfig);
        FROM_CONFIG.put(AveragePooling3D.CLASS_NAME, AveragePooling3D::fromConfig);
        FROM_CONFIG.put(AdaptiveAveragePooling1D.CLASS_NAME, AdaptiveAveragePooling1D::fromConfig);
        FROM_CONFIG.put(AdaptiveAveragePooling2D.CLASS_NAME, AdaptiveAveragePooling2D::fromConfig);
        FROM_CONFIG.put(AdaptiveAveragePooling3D.CLASS_NAME, AdaptiveAveragePooling3D::fromConfig);
        FROM_CONFIG.put(AdaptiveMaxPooling1D.CLASS_NAME, AdaptiveMaxPooling1D::fromConfig);
        FROM_CONFIG.put(AdaptiveMaxPooling2D.CLASS_NAME, AdaptiveMaxPooling2D::fromConfig);
        FROM_CONFIG.put(AdaptiveMaxPooling3D.CLASS_NAME, AdaptiveMaxPooling3D::fromConfig);
        FROM_CONFIG.put(GlobalMaxPooling1D.CLASS_NAME, GlobalMaxPooling1D::fromConfig);
        FROM_CONFIG.put(GlobalMaxPooling2D.CLASS_NAME, GlobalMaxPooling2D::fromConfig);
        FROM_CONFIG.put(GlobalMaxPooling3D.CLASS_NAME, GlobalMaxPooling3D::fromConfig);
        FROM_CONFIG.put(GlobalAveragePooling1D.CLASS_NAME, GlobalAveragePooling1D::fromConfig);
        FROM_CONFIG.put(GlobalAveragePooling2D.CLASS_NAME, GlobalAveragePooling2D::fromConfig);
        FROM_CONFIG.put(GlobalAveragePooling3D.CLASS_NAME, GlobalAveragePooling3D::fromConfig);
    }

    private static final java.util.Set<String> DEPTHWISE_KERNELS = java.util.Set.of(SeparableConv1D.CLASS_NAME,
            SeparableConv2D.CLASS_NAME, DepthwiseConv1D.CLASS_NAME, DepthwiseConv2D.CLASS_NAME);

    /** The classes whose rules differ between Keras 2 and Keras 3, with their versioned readers. */
    private static final Map<String, java.util.function.BiFunction<JsonNode, KerasVersion, Layer>> VERSIONED =
            new LinkedHashMap<>();

    static {
        VERSIONED.put(Conv1D.CLASS_NAME, Conv1D::fromConfig);
        VERSIONED.put(Conv2D.CLASS_NAME, Conv2D::fromConfig);
        VERSIONED.put(Conv3D.CLASS_NAME, Conv3D::fromConfig);
        VERSIONED.put(Conv1DTranspose.CLASS_NAME, Conv1DTranspose::fromConfig);
        VERSIONED.put(Conv2DTranspose.CLASS_NAME, Conv2DTranspose::fromConfig);
        VERSIONED.put(Conv3DTranspose.CLASS_NAME, Conv3DTranspose::fromConfig);
        VERSIONED.put(DepthwiseConv1D.CLASS_NAME, DepthwiseConv1D::fromConfig);
        VERSIONED.put(DepthwiseConv2D.CLASS_NAME, DepthwiseConv2D::fromConfig);
        VERSIONED.put(SeparableConv1D.CLASS_NAME, SeparableConv1D::fromConfig);
        VERSIONED.put(SeparableConv2D.CLASS_NAME, SeparableConv2D::fromConfig);
    }

    // the rules of the config being read on this thread: activations and BatchNormalization look
    // them up while their arguments are parsed (Keras 2's unless a Keras 3 file is being loaded)
    private static final ThreadLocal<KerasVersion> READING = ThreadLocal.withInitial(() -> KerasVersion.KERAS_2);

    static KerasVersion readingVersion() {
        return READING.get();
    }

    private Layers() {
    }

    /**
     * Makes a layer from its serialized form with the rules of the Keras version that wrote it:
     * a Keras 3 file's {@code hard_sigmoid} is {@code relu6(x + 3) / 6}, its BatchNormalization uses
     * {@code epsilon} as given, its depthwise and separable convolutions take strides and dilation
     * together (see {@link KerasVersion}).
     */
    public static Layer fromConfig(JsonNode layer, KerasVersion version) {
        KerasVersion before = READING.get();
        READING.set(version);
        try {
            String cls = layer != null && layer.isObject() ? layer.path("class_name").asText("") : "";
            var versioned = VERSIONED.get(cls);
            if (versioned != null && layer.get("config") != null) {
                return versioned.apply(layer.get("config"), version);
            }
            return fromConfig(layer);
        } finally {
            READING.set(before);
        }
    }

    /**
     * A layer's {@code index}th weight as tf.keras and TF.js name it: {@code conv1/kernel}; a
     * recurrent layer's by its cell ({@code lstm/lstm_cell/kernel}), a Bidirectional's by its two
     * layers ({@code bi/forward_lstm/lstm_cell/kernel}).
     */
    public static String weightPath(Layer layer, int index) {
        Weight w = layer.getWeights().get(index);
        String inner = "";
        if (layer instanceof Bidirectional bi) {
            Layer side = index < layer.getWeights().size() / 2 ? bi.forwardLayer() : bi.backwardLayer();
            inner = side.name() + "/" + cellName(side) + "/";
        } else if (layer instanceof SpectralNormalization sn) {
            // the wrapped layer's weights under its name (sn/conv2d/kernel), then the wrapper's vector_u
            if (index < sn.layer().getWeights().size()) return layer.name() + "/" + weightPath(sn.layer(), index);
        } else if (layer instanceof StackedRNN stacked) {
            // an RNN's stacked cells: rnn/stacked_rnn_cells/gru_cell/kernel, as Keras names them
            int at = index;
            for (Layer cell : stacked.cellLayers()) {
                int count = cell.getWeights().size();
                if (at < count) {
                    inner = stacked.cellsName() + "/" + cellName(cell) + "/";
                    break;
                }
                at -= count;
            }
        } else if (cellName(layer) != null) {
            inner = cellName(layer) + "/";
        }
        return layer.name() + "/" + inner + w.name();
    }

    private static String cellName(Layer l) {
        if (l instanceof BaseRecurrent r) return r.layerClassName().startsWith("CuDNN") ? null : r.cellName();
        return switch (l.className()) {
            case ConvLSTM1D.CLASS_NAME, ConvLSTM2D.CLASS_NAME, ConvLSTM3D.CLASS_NAME -> "conv_lstm_cell";
            default -> null;
        };
    }

    /** The Keras class names kdnn implements. */
    public static java.util.Set<String> classNames() {
        return java.util.Collections.unmodifiableSet(FROM_CONFIG.keySet());
    }

    /** Makes a layer from its serialized form. */
    public static Layer fromConfig(JsonNode layer) {
        if (layer == null || !layer.isObject()) {
            throw new IllegalArgumentException("a layer must be a JSON object {\"class_name\", \"config\"}, got " + layer);
        }
        JsonNode cls = layer.get("class_name");
        if (cls == null || !cls.isTextual()) {
            throw new IllegalArgumentException("layer has no \"class_name\" string: " + layer);
        }
        Function<JsonNode, Layer> f = FROM_CONFIG.get(cls.asText());
        if (f == null) {
            throw new UnknownLayerException(cls.asText(), FROM_CONFIG.keySet());
        }
        return f.apply(layer.get("config"));
    }

    /**
     * Fills in what a config leaves out but its weights say. TensorFlow.js omits
     * {@code depth_multiplier} from a SeparableConv2D's config; its depthwise kernel
     * (k..., in, depth_multiplier) tells it (the same for the other separable and depthwise layers). {@code weightShape} gives a weight's shape by its
     * Keras name ({@code depthwise_kernel}), or null.
     */
    public static JsonNode withInferredArguments(JsonNode layer, java.util.function.Function<String, int[]> weightShape) {
        JsonNode config = layer == null ? null : layer.get("config");
        if (config == null || !config.isObject() || config.has("depth_multiplier")
                || !DEPTHWISE_KERNELS.contains(layer.path("class_name").asText())) {
            return layer;
        }
        int[] shape = weightShape.apply("depthwise_kernel");
        if (shape == null || shape.length == 0) {
            return layer;
        }
        ObjectNode copy = layer.deepCopy();
        ((ObjectNode) copy.get("config")).put("depth_multiplier", shape[shape.length - 1]);
        return copy;
    }

    /** The serialized form of a layer. */
    public static ObjectNode toConfig(Layer layer) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("class_name", layer.className());
        o.set("config", layer.getConfig());
        return o;
    }
}
