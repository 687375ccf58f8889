package kdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import kdnn.internal.LayerBridge;
import kdnn.layers.BatchNormalization;
import kdnn.layers.Concatenate;
import kdnn.layers.ElementwiseMerge;
import kdnn.layers.GlobalAveragePooling1D;
import kdnn.layers.GroupNormalization;
import kdnn.layers.Identity;
import kdnn.layers.Rescaling;
import kdnn.layers.TensorDivide;
import kdnn.layers.KerasVersion;
import kdnn.layers.Layer;
import kdnn.layers.KerasOperation;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;
import kdnn.model.Sequential;

/**
 * Refuses to write a model into a format whose Keras version would compute it differently: a
 * .keras file is read with Keras 3's definitions, .h5 and TF.js with Keras 2's, and a layer read
 * from one kind of file keeps its version's definitions. Where the two differ and the other
 * version's config cannot say the same, the save fails rather than write a file that computes
 * something else.
 */
final class SaveRules {
    /** tf.keras 2.x's fused batch norm raises a smaller epsilon to this. */
    private static final double FUSED_MIN_EPSILON = 1.001e-5;

    private SaveRules() {
    }

    static void check(Model model, KerasVersion target, String format) {
        checkOperations(model, format);
        for (Layer l : model.layersGivenMasks()) {
            KerasVersion rules = LayerBridge.get().rules(l);
            if (rules != target && l instanceof kdnn.layers.MultiHeadAttention mha
                    && !mha.fullyMaskedQuery(rules).equals(mha.fullyMaskedQuery(target))) {
                throw new IllegalArgumentException("model \"" + model.name() + "\", layer \"" + l.name() + "\" ("
                        + l.className() + ") is given a mask, so a query position whose every key is masked (a padded"
                        + " one) gets " + mha.fullyMaskedQuery(rules) + " in " + name(rules) + " and "
                        + mha.fullyMaskedQuery(target) + " in " + name(target) + "; " + format + " files cannot hold it"
                        + " as it computes now. Save it in a " + name(rules) + " format ("
                        + (rules == KerasVersion.KERAS_3 ? ".keras" : ".h5 or TF.js") + ")");
            }
            if (rules != target && masksDiffer(l)) {
                throw new IllegalArgumentException("model \"" + model.name() + "\", layer \"" + l.name() + "\" ("
                        + l.className() + ") is given a mask, which " + name(rules) + " and " + name(target)
                        + " treat differently (" + maskDifference(l) + "), so " + format + " files cannot hold it as it"
                        + " computes now. Save it in a " + name(rules) + " format ("
                        + (rules == KerasVersion.KERAS_3 ? ".keras" : ".h5 or TF.js") + ")");
            }
        }
        for (Layer l : model.allLayers()) {
            String keras3Only = target == KerasVersion.KERAS_2 ? keras3Only(l) : null;
            if (keras3Only != null) {
                throw new IllegalArgumentException("model \"" + model.name() + "\", layer \"" + l.name() + "\" ("
                        + l.className() + ") " + keras3Only + ", which Keras 2 does not have, so " + format + " files"
                        + " cannot hold it. Save it as .keras");
            }
            String keras2Only = target == KerasVersion.KERAS_3 ? keras2Only(l) : null;
            if (keras2Only != null) {
                throw new IllegalArgumentException("model \"" + model.name() + "\", layer \"" + l.name() + "\" ("
                        + l.className() + ") " + keras2Only + ", which Keras 3 does not have, so " + format + " files"
                        + " cannot hold it. Save it as .h5 or TF.js");
            }
            KerasVersion rules = LayerBridge.get().rules(l);
            if (rules == target) continue;
            String why = difference(l);
            if (l instanceof kdnn.layers.AdditiveAttention add && add.useScale() && add.isBuilt()
                    && add.scaleLengthIn(rules) != add.scaleLengthIn(target)) {
                why = "its scale has the " + (rules == KerasVersion.KERAS_3 ? "query's " : "value's ")
                        + add.scaleLengthIn(rules) + " features, which " + name(target) + " gives the "
                        + (target == KerasVersion.KERAS_3 ? "query's " : "value's ") + add.scaleLengthIn(target);
            }
            if (l instanceof kdnn.layers.MultiHeadAttention mha && mha.givenAttentionMask()
                    && !mha.fullyMaskedQuery(rules).equals(mha.fullyMaskedQuery(target))) {
                why = "a query position whose every key is masked gets " + mha.fullyMaskedQuery(rules) + " in "
                        + name(rules) + " and " + mha.fullyMaskedQuery(target) + " in " + name(target);
            }
            if (why != null) {
                throw new IllegalArgumentException("model \"" + model.name() + "\", layer \"" + l.name() + "\" ("
                        + l.className() + ") follows " + name(rules) + "'s definitions, which " + format + " files do not"
                        + " carry: " + why + ". Save it in a " + name(rules) + " format ("
                        + (rules == KerasVersion.KERAS_3 ? ".keras" : ".h5 or TF.js") + ")");
            }
        }
    }

    private static boolean masksDiffer(Layer l) {
        return l instanceof ElementwiseMerge && !(l instanceof TensorDivide) || l instanceof Concatenate
                || l instanceof GlobalAveragePooling1D || l instanceof Identity || l instanceof Rescaling
                || l instanceof GroupNormalization;
    }

    private static String maskDifference(Layer l) {
        if (l instanceof ElementwiseMerge || l instanceof Concatenate) {
            return "tf.keras keeps a step that all the masks keep, Keras 3 one that any keeps";
        }
        if (l instanceof GlobalAveragePooling1D) {
            return "tf.keras multiplies masked values by 0, so a masked NaN or infinity gives NaN; Keras 3 leaves them out";
        }
        if (l instanceof GroupNormalization) return "tf.keras computes its statistics over the unmasked positions";
        return "Keras 3 passes it on, tf.keras drops it";
    }

    /**
     * kdnn's operation layers (TrueDivide, GetItem) are no Keras layers: a file holds each as the
     * operation it was read from (a TFOpLambda in .h5, a Keras 3 operation in .keras), called once
     * inside a functional model.
     * A Sequential model holds layers only. (TF.js' Keras has neither form: ModelFiles refuses it.)
     */
    private static void checkOperations(Model model, String format) {
        if (format.equals("TF.js")) return; // ModelFiles.save refuses it there
        Map<String, List<List<long[]>>> calls = ModelConfigs.callInputShapes(model);
        for (Object o : model.layerObjects()) {
            if (o instanceof Model nested) {
                checkOperations(nested, format);
                continue;
            }
            if (!(o instanceof KerasOperation) || !(o instanceof Layer d)) continue;
            String where = "model \"" + model.name() + "\", layer \"" + d.name() + "\" (" + d.className() + ", the"
                    + " operation tf." + ((KerasOperation) o).tfFunction() + ")";
            if (model instanceof Sequential) {
                throw new IllegalArgumentException(where + " is in a Sequential model, which Keras files hold as layers"
                        + " only; an operation is written as part of a functional model");
            }
            if (calls.getOrDefault(d.name(), List.of()).size() > 1) {
                throw new IllegalArgumentException(where + " is called " + calls.get(d.name()).size() + " times; "
                        + format + " files write an operation once per call: use one " + d.className() + " per call");
            }
        }
    }

    /** What this layer (a wrapper's: its layer) has that only tf.keras defines, or null. */
    private static String keras2Only(Layer l) {
        if (l instanceof kdnn.layers.TimeDistributed td) return keras2Only(td.layer());
        if (l instanceof kdnn.layers.SpectralNormalization sn) return keras2Only(sn.layer());
        if (l instanceof kdnn.layers.Bidirectional bi) return keras2Only(bi.forwardLayer());
        if (l instanceof BatchNormalization bn && bn.virtualBatchSize() != null) {
            return "has tf.keras' virtual_batch_size=" + bn.virtualBatchSize();
        }
        if (l.className().startsWith("CuDNN")) return "is Keras 2's class " + l.className();
        if (l instanceof kdnn.layers.BlockShuffle b) return "is tf.keras' operation tf." + b.tfFunction();
        if (l instanceof kdnn.layers.PerImageStandardization) return "is tf.keras' operation tf.image.per_image_standardization";
        if (l instanceof kdnn.layers.LocalResponseNormalization) return "is tf.keras' operation tf.nn.local_response_normalization";
        if (l instanceof kdnn.layers.BaseLocallyConnected) return "is Keras 2's class " + l.className();
        if (l instanceof kdnn.layers.ArgReduce a && !a.signedZeros()) {
            return "is tf.keras' tf." + a.tfFunction() + ", which holds -0.0 equal to 0.0 (Keras 3's ops."
                    + a.className().toLowerCase(java.util.Locale.ROOT) + " ranks -0.0 below 0.0)";
        }
        if (kdnn.layers.RandomAugmentation.KERAS_2_ONLY.contains(l.className())) return "is Keras 2's class " + l.className();
        // Keras 3 has no ThresholdedReLU (its ReLU's threshold keeps x == theta, ThresholdedReLU zeros it)
        if (l.className().equals("ThresholdedReLU")) return "is Keras 2's class ThresholdedReLU";
        if (l.className().equals("SeparableConv1D") && "causal".equals(l.getConfig().path("padding").asText())) {
            return "has padding=\"causal\", which Keras 3's " + l.className() + " refuses (only Conv1D takes it)";
        }
        if (l instanceof kdnn.layers.MultiHeadAttention mha && mha.softmaxRobustMasking()) {
            return "has tf-keras' softmax_robust_masking=True";
        }
        return null;
    }

    /** Activations that keras.activations gained in Keras 3 and tf.keras never had. */
    private static final java.util.Set<String> KERAS_3_ACTIVATIONS = java.util.Set.of("celu", "hard_tanh",
            "sparse_sigmoid", "log_sigmoid", "tanh_shrink", "soft_shrink", "hard_shrink", "sparse_plus", "squareplus",
            "sparsemax");

    /** What this layer (a wrapper's: its layer) has that only Keras 3 defines, or null. */
    private static String keras3Only(Layer l) {
        if (l instanceof kdnn.layers.TimeDistributed td) return keras3Only(td.layer());
        if (l instanceof kdnn.layers.SpectralNormalization sn) return keras3Only(sn.layer());
        if (l instanceof kdnn.layers.RMSNormalization) return "is Keras 3's class RMSNormalization";
        if (kdnn.layers.RandomAugmentation.KERAS_3_ONLY.contains(l.className())) return "is Keras 3's class " + l.className();
        if (l instanceof kdnn.layers.AutoContrast) return "is Keras 3's class AutoContrast";
        if (l instanceof kdnn.layers.Normalize) return "is Keras 3's operation ops.normalize";
        if (l instanceof kdnn.layers.Einsum) return "is Keras 3's operation ops.einsum";
        if (l instanceof kdnn.layers.ArgReduce a && (a.signedZeros() || a.keepdims())) {
            return "is Keras 3's operation ops." + a.className().toLowerCase(java.util.Locale.ROOT) + (a.keepdims()
                    ? " with keepdims=True (tf." + a.tfFunction() + " has no keepdims)"
                    : ", which ranks -0.0 below 0.0 (tf." + a.tfFunction() + " holds them equal)");
        }
        if (l instanceof kdnn.layers.Take t && t.countsNegativeFromEnd() && t.hasNegativeIndex()) {
            return "has Keras 3's negative indices (counted from the end; tf.gather refuses them)";
        }
        if (l instanceof kdnn.layers.RgbToGrayscale g && g.dataFormat() == kdnn.layers.DataFormat.CHANNELS_FIRST) {
            return "has Keras 3's data_format=\"channels_first\" (tf.image.rgb_to_grayscale is channels-last)";
        }
        if (l instanceof kdnn.layers.BaseAdaptivePooling) return "is Keras 3's class " + l.className();
        if (l instanceof kdnn.layers.STFTSpectrogram) return "is Keras 3's class STFTSpectrogram";
        if (l instanceof kdnn.layers.MelSpectrogram) return "is Keras 3's class MelSpectrogram";
        if (l instanceof kdnn.layers.RandomResizedCrop) return "is Keras 3's class RandomResizedCrop";
        if (l instanceof kdnn.layers.ContrastLimitedAdaptiveHistogramEqualization) {
            return "is Keras 3's class ContrastLimitedAdaptiveHistogramEqualization";
        }
        if (l instanceof kdnn.layers.MultiHeadAttention mha && mha.keyValueHeads() != null) {
            return "is Keras 3's class GroupedQueryAttention";
        }
        JsonNode c = l.getConfig();
        if (c.path("cell").isObject()) c = c.path("cell").path("config");
        for (String key : List.of("activation", "recurrent_activation")) {
            String a = c.path(key).asText("");
            if (KERAS_3_ACTIVATIONS.contains(a)) return "has Keras 3's " + key + " " + a;
        }
        if (l instanceof kdnn.layers.LayerNormalization ln && ln.rmsScaling()) return "has Keras 3's rms_scaling=True";
        if (l instanceof kdnn.layers.MultiHeadAttention mha && mha.useGate()) return "has Keras 3's use_gate=True";
        if (l instanceof kdnn.layers.MultiHeadAttention mha && mha.slidingWindow() != null) {
            return "has Keras 3's sliding_window=" + mha.slidingWindow();
        }
        return null;
    }

    /** What this layer (a wrapper's: its layer) computes differently under Keras 2 and Keras 3, or null. */
    private static String difference(Layer l) {
        if (l instanceof kdnn.layers.TimeDistributed td) return difference(td.layer());
        if (l instanceof kdnn.layers.SpectralNormalization sn) return difference(sn.layer());
        if (l instanceof kdnn.layers.Bidirectional bi) {
            String forward = difference(bi.forwardLayer());
            return forward != null ? forward : difference(bi.backwardLayer());
        }
        if (l instanceof kdnn.layers.StackedRNN stacked) {
            for (Layer cell : stacked.cellLayers()) {
                String d = difference(cell);
                if (d != null) return d;
            }
            return null;
        }
        JsonNode c = l.getConfig();
        if (c.path("cell").isObject()) c = c.path("cell").path("config"); // Keras' RNN(cell): the cell's arguments
        // a recurrent layer's gates are an activation too (Keras 2's LSTM default is hard_sigmoid)
        for (String key : List.of("activation", "recurrent_activation")) {
            if ("hard_sigmoid".equals(c.path(key).asText(null))) {
                return key + " hard_sigmoid is clip(0.2x + 0.5, 0, 1) in Keras 2 and relu6(x + 3) / 6 in Keras 3";
            }
        }
        if (l instanceof BatchNormalization bn && bn.epsilon() < FUSED_MIN_EPSILON && !bn.renorm()
                && bn.virtualBatchSize() == null && !(c.path("fused").isBoolean() && !c.path("fused").asBoolean())) {
            return "epsilon " + bn.epsilon() + " is raised to 1.001e-5 by tf.keras 2's fused batch norm and used as"
                    + " given by Keras 3";
        }
        if (l.className().matches("(Depthwise|Separable)Conv[12]D") && above1(c.path("strides"))
                && above1(c.path("dilation_rate"))) {
            return "Keras 3 takes strides and dilation_rate above 1 together in a depthwise or separable convolution,"
                    + " Keras 2 refuses them";
        }
        if (l.className().equals("Conv3DTranspose")) {
            for (JsonNode d : c.path("dilation_rate")) {
                if (d.asInt(1) != 1) return "Keras 2's Conv3DTranspose ignores dilation_rate, Keras 3's applies it";
            }
        }
        return null;
    }

    private static boolean above1(JsonNode tuple) {
        if (tuple.isNumber()) return tuple.asInt() > 1;
        for (JsonNode d : tuple) if (d.asInt(1) > 1) return true;
        return false;
    }

    private static String name(KerasVersion v) {
        return v == KerasVersion.KERAS_3 ? "Keras 3" : "Keras 2";
    }
}
