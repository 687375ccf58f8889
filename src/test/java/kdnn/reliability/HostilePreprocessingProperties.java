package kdnn.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

/**
 * The preprocessing, normalization, resizing, augmentation, Dot and operation layers under hostile configs and inputs: a
 * valid config with one argument replaced by a value of any JSON kind (or an unknown key added),
 * called on a tensor of any rank from 1 to 5 with dimensions from 0 to 6 and values that include
 * NaN and infinities, in either mode of extreme values. Each case builds and computes a tensor of its declared output shape, or is
 * refused with an IllegalArgumentException; no other exception, no crash (this runs in the forked
 * hostile-input JVM).
 */
class HostilePreprocessingProperties {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final List<String> BASES = List.of(
            "{'class_name':'GroupNormalization','config':{'groups':2,'axis':-1,'epsilon':0.001,'center':true,'scale':true}}",
            "{'class_name':'LayerNormalization','config':{'axis':[1,2],'epsilon':0.001,'center':true,'scale':false}}",
            "{'class_name':'UnitNormalization','config':{'axis':-1}}",
            "{'class_name':'Resizing','config':{'height':3,'width':5,'interpolation':'bilinear','crop_to_aspect_ratio':false,"
                    + "'pad_to_aspect_ratio':true,'fill_value':1.5}}",
            "{'class_name':'Resizing','config':{'height':4,'width':2,'interpolation':'nearest','crop_to_aspect_ratio':true}}",
            "{'class_name':'CenterCrop','config':{'height':3,'width':2,'data_format':'channels_last'}}",
            "{'class_name':'RandomCrop','config':{'height':2,'width':3,'seed':1}}",
            "{'class_name':'RandomFlip','config':{'mode':'horizontal','seed':null}}",
            "{'class_name':'RandomRotation','config':{'factor':0.1,'fill_mode':'reflect','interpolation':'bilinear'}}",
            "{'class_name':'RandomContrast','config':{'factor':[0.1,0.2],'seed':null}}",
            "{'class_name':'Identity','config':{}}",
            "{'class_name':'Dot','config':{'axes':[1,1],'normalize':true}}",
            "{'class_name':'Rescaling','config':{'scale':[0.5,2.0],'offset':-1.0}}",
            "{'class_name':'TrueDivide','config':{'y':127.5}}",
            "{'class_name':'Embedding','config':{'input_dim':5,'output_dim':3}}",
            "{'class_name':'TimeDistributed','config':{'layer':{'class_name':'Dense','config':{'units':2}}}}",
            "{'class_name':'TimeDistributed','config':{'layer':{'class_name':'MaxPooling1D','config':{'pool_size':2}}}}",
            "{'class_name':'TrueDivide','config':{'y':[0.229,0.224]}}",
            "{'class_name':'GetItem','config':{'key':[{'class_name':'__ellipsis__','config':{}},"
                    + "{'class_name':'__slice__','config':{'start':null,'stop':null,'step':-1}}]}}",
            "{'class_name':'GetItem','config':{'key':[{'class_name':'__slice__','config':{'start':null,'stop':null,"
                    + "'step':null}},1,null,{'class_name':'__slice__','config':{'start':-2,'stop':0,'step':-1}}]}}",
            "{'class_name':'Normalization','config':{'axis':-1,'mean':[0.5,1.0],'variance':[4.0,0.25],'invert':false}}",
            "{'class_name':'Normalization','config':{'axis':[1,2],'mean':0.5,'variance':2.0}}",
            "{'class_name':'LayerScale','config':{'init_values':0.5,'projection_dim':3}}",
            "{'class_name':'StochasticDepth','config':{'drop_path_rate':0.2}}",
            "{'class_name':'RMSNormalization','config':{'axis':-1,'epsilon':1e-6}}",
            "{'class_name':'LayerNormalization','config':{'axis':-1,'epsilon':0.001,'rms_scaling':true}}",
            "{'class_name':'Squeeze','config':{'axis':[1]}}",
            "{'class_name':'Log','config':{}}",
            "{'class_name':'Rsqrt','config':{}}",
            "{'class_name':'LSTM','config':{'units':3,'return_sequences':true}}",
            "{'class_name':'GRU','config':{'units':2,'go_backwards':true,'reset_after':false}}",
            "{'class_name':'SimpleRNN','config':{'units':2,'activation':'relu','use_bias':false}}",
            "{'class_name':'LSTM','config':{'units':2,'recurrent_activation':'hard_sigmoid','zero_output_for_mask':true}}",
            "{'class_name':'Bidirectional','config':{'layer':{'class_name':'GRU','config':{'units':2,"
                    + "'return_sequences':true}},'merge_mode':'ave'}}",
            "{'class_name':'GlobalAveragePooling1D','config':{'data_format':'channels_last'}}",
            "{'class_name':'Masking','config':{'mask_value':0.0}}",
            "{'class_name':'Embedding','config':{'input_dim':5,'output_dim':3,'mask_zero':true}}",
            "{'class_name':'LSTM','config':{'units':2,'return_state':true,'return_sequences':true}}",
            "{'class_name':'Bidirectional','config':{'layer':{'class_name':'SimpleRNN','config':{'units':2,"
                    + "'return_state':true}},'merge_mode':null}}",
            "{'class_name':'Split','config':{'num_or_size_splits':[1,-1],'axis':-1}}",
            "{'class_name':'Split','config':{'indices_or_sections':[1,2],'axis':1}}",
            "{'class_name':'Split','config':{'num_or_size_splits':2,'axis':1}}",
            "{'class_name':'MultiHeadAttention','config':{'num_heads':2,'key_dim':3}}",
            "{'class_name':'MultiHeadAttention','config':{'num_heads':1,'key_dim':2,'value_dim':3,'output_shape':[2,2],"
                    + "'attention_axes':[1],'use_bias':false}}",
            "{'class_name':'MultiHeadAttention','config':{'num_heads':2,'key_dim':2,'return_attention_scores':true,"
                    + "'use_gate':true,'sliding_window':2,'use_causal_mask':true}}",
            "{'class_name':'Attention','config':{'use_scale':true,'score_mode':'concat','return_attention_scores':true}}",
            "{'class_name':'AdditiveAttention','config':{'use_causal_mask':true}}",
            "{'class_name':'ConvLSTM1D','config':{'filters':2,'kernel_size':2,'return_sequences':true,'return_state':true}}",
            "{'class_name':'ConvLSTM2D','config':{'filters':2,'kernel_size':[2,1],'strides':2,'padding':'same',"
                    + "'data_format':'channels_first','go_backwards':true}}",
            "{'class_name':'AutoContrast','config':{'value_range':[0,1]}}",
            "{'class_name':'CategoryEncoding','config':{'num_tokens':4,'output_mode':'count'}}",
            "{'class_name':'Discretization','config':{'bin_boundaries':[-1.0,0.0,2.5],'output_mode':'multi_hot'}}",
            "{'class_name':'RandomGaussianBlur','config':{'factor':[0.0,1.0],'kernel_size':[3,5],'sigma':1.0}}",
            "{'class_name':'RandomColorJitter','config':{'value_range':[0,255],'brightness_factor':0.2}}",
            "{'class_name':'GroupedQueryAttention','config':{'head_dim':2,'num_query_heads':4,'num_key_value_heads':2,"
                    + "'use_causal_mask':true}}",
            "{'class_name':'STFTSpectrogram','config':{'mode':'log','frame_length':3,'frame_step':1,'fft_length':4,"
                    + "'window':'hann','padding':'same'}}",
            "{'class_name':'STFTSpectrogram','config':{'mode':'stft','frame_length':2,'window':[0.5,1.0],"
                    + "'data_format':'channels_first','expand_dims':true}}",
            "{'class_name':'MelSpectrogram','config':{'fft_length':4,'sequence_stride':2,'num_mel_bins':3,"
                    + "'sampling_rate':100,'top_db':30.0}}",
            "{'class_name':'RandomResizedCrop','config':{'height':3,'width':5,'interpolation':'bicubic'}}",
            "{'class_name':'AdaptiveMaxPooling2D','config':{'output_size':[3,2],'data_format':'channels_first'}}",
            "{'class_name':'AdaptiveAveragePooling1D','config':{'output_size':4}}",
            "{'class_name':'DepthToSpace','config':{'block_size':2,'data_format':'NHWC'}}",
            "{'class_name':'SpaceToDepth','config':{'block_size':2,'data_format':'NCHW'}}",
            "{'class_name':'ConstantMaximum','config':{'y':0.5}}",
            "{'class_name':'Normalize','config':{'axis':[1,2],'order':2,'epsilon':null}}",
            "{'class_name':'Tile','config':{'repeats':[2,1]}}",
            "{'class_name':'Repeat','config':{'repeats':3,'axis':-1}}",
            "{'class_name':'RGBToGrayscale','config':{'data_format':'channels_first'}}",
            "{'class_name':'Take','config':{'indices':[2,0,-1],'axis':-1,'negative_from_end':true}}",
            "{'class_name':'Argmax','config':{'axis':-1,'keepdims':true,'signed_zeros':true}}",
            "{'class_name':'Argmin','config':{'axis':1,'keepdims':false}}",
            "{'class_name':'Einsum','config':{'subscripts':'bij,bkj->bik'}}",
            "{'class_name':'Einsum','config':{'subscripts':'bcij,bdij->bcd'}}",
            "{'class_name':'Logsumexp','config':{'axis':[1,-1],'keepdims':true}}",
            "{'class_name':'PerImageStandardization','config':{}}",
            "{'class_name':'Moments','config':{'axes':[1,2],'keepdims':true}}",
            "{'class_name':'ConstantMatmul','config':{'b':[[1.0,-2.0],[0.5,3.0]],'transpose_b':false}}",
            "{'class_name':'LocalResponseNormalization','config':{'depth_radius':2,'bias':2.0,'alpha':0.0001,'beta':0.75}}",
            "{'class_name':'Var','config':{'axis':[1,2],'keepdims':true}}",
            "{'class_name':'ContrastLimitedAdaptiveHistogramEqualization','config':{'value_range':[0,1],"
                    + "'clip_limit':2.0,'tile_grid_size':[2,2]}}");

    /** The layers that read Keras' mask: called on an input and a hostile mask half the time. */
    private static final java.util.Set<String> MASK_READERS = java.util.Set.of("LSTM", "GRU", "SimpleRNN",
            "Bidirectional", "GlobalAveragePooling1D");

    @Provide
    Arbitrary<Integer> bases() {
        return Arbitraries.integers().between(0, BASES.size() - 1);
    }

    @Property(tries = 4000, shrinking = ShrinkingMode.OFF, seed = "20261203")
    void everyCaseComputesItsShapeOrIsRefusedWithIllegalArgument(@ForAll("bases") int base, @ForAll long seed)
            throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        ObjectNode layer = (ObjectNode) JSON.readTree(BASES.get(base).replace('\'', '"'));
        ObjectNode config = (ObjectNode) layer.get("config");
        if (r.nextInt(4) > 0) {
            List<String> keys = new ArrayList<>();
            for (Iterator<String> it = config.fieldNames(); it.hasNext(); ) keys.add(it.next());
            keys.add("mystery");
            config.set(keys.get(r.nextInt(keys.size())), value(r));
        }
        Layer l;
        try {
            l = Layers.fromConfig(layer);
        } catch (IllegalArgumentException refused) {
            return;
        }
        try (l) {
            if (r.nextBoolean()) l.setExtremes(kdnn.layers.ExtremeValues.KERAS); // its rewrites of extreme values too
            boolean merge = java.util.Set.of("Dot", "Attention", "AdditiveAttention", "Einsum").contains(
                    layer.get("class_name").asText());
            int rank = 1 + r.nextInt(5);
            long[] shape = new long[rank];
            for (int i = 0; i < rank; i++) shape[i] = r.nextInt(7);
            // a mask (batch, steps), or of any other shape, its values hostile too
            long[] maskShape = null;
            if (MASK_READERS.contains(layer.get("class_name").asText()) && r.nextBoolean()) {
                maskShape = r.nextInt(4) == 0 || rank < 2 ? new long[] {r.nextInt(7), r.nextInt(7)}
                        : new long[] {shape[0], shape[1]};
                merge = true;
            }
            // an attention: query and value, or with a key and an attention mask of a drawn shape (its values hostile)
            List<long[]> extra = new ArrayList<>();
            if (kdnn.internal.AttentionCalls.CLASS_NAMES.contains(layer.get("class_name").asText())) {
                merge = true;
                if (r.nextBoolean()) {
                    extra.add(shape);
                    long[] m = rank >= 2 && r.nextBoolean() ? new long[] {shape[0], shape[1], shape[1]}
                            : new long[1 + r.nextInt(4)];
                    for (int i = 0; i < m.length && m[0] == 0; i++) m[i] = r.nextInt(7);
                    extra.add(m);
                }
            }
            List<Tensor> inputs = new ArrayList<>();
            try {
                List<long[]> callShapes = new ArrayList<>(merge && maskShape == null ? List.of(shape, shape) : List.of(shape));
                callShapes.addAll(extra);
                List<long[]> wantAll = l.computeOutputShapes(callShapes);
                long[] want = wantAll.size() == 1 ? wantAll.get(0) : l.computeOutputShape(shape);
                if (java.util.Arrays.stream(want).asDoubleStream().reduce(1, (a, b) -> a * b) > 1 << 24) {
                    return; // a legal size too large to run here (its allocation fails with OutOfMemoryError)
                }
                for (int k = 0; k < (merge ? 2 : 1); k++) {
                    long[] s = k == 1 && maskShape != null ? maskShape : shape;
                    inputs.add(Tensor.of(values(r, s), s));
                }
                for (long[] s : extra) {
                    float[] v = values(r, s);
                    if (r.nextBoolean()) for (int i = 0; i < v.length; i++) v[i] = r.nextInt(4) == 0 ? 0 : 1;
                    inputs.add(Tensor.of(v, s));
                }
                // with a mask: the call with it (its shape checked there), the layer's own outputs
                List<Tensor> ys = maskShape != null ? l.callAll(inputs.subList(0, 1), inputs.get(1)) : l.callAll(inputs);
                try {
                    // one output, or several (return_state, merge_mode=None), each of its declared shape
                    assertEquals(wantAll.size(), ys.size());
                    for (int k = 0; k < ys.size(); k++) {
                        assertArrayEquals(wantAll.get(k), ys.get(k).shape(), layer + " on " + java.util.Arrays.toString(shape));
                        assertEquals(java.util.Arrays.stream(wantAll.get(k)).reduce(1, (a, b) -> a * b),
                                ys.get(k).toFloatArray().length);
                    }
                    if (ys.size() == 1) assertArrayEquals(want, ys.get(0).shape());
                } finally {
                    ys.forEach(Tensor::close);
                }
            } catch (IllegalArgumentException refused) {
                // refused at build or call: fine
            } finally {
                for (Tensor t : inputs) t.close();
            }
        }
    }

    private static float[] values(SplittableRandom r, long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            int k = r.nextInt(20);
            v[i] = k == 0 ? Float.NaN : k == 1 ? Float.POSITIVE_INFINITY : k == 2 ? -0f : (float) (r.nextDouble() * 20 - 10);
        }
        return v;
    }

    private static JsonNode value(SplittableRandom r) {
        return switch (r.nextInt(14)) {
            case 0 -> F.numberNode(-r.nextInt(5));
            case 1 -> F.numberNode(r.nextInt(9));
            case 2 -> F.numberNode(Integer.MAX_VALUE);
            case 3 -> F.numberNode(r.nextDouble() * 4 - 2);
            case 4 -> F.numberNode(1e300);
            case 5 -> F.textNode("NaN");
            case 6 -> F.textNode("channels_first");
            case 7 -> F.textNode("nearest");
            case 8 -> F.booleanNode(r.nextBoolean());
            case 9 -> F.nullNode();
            case 10 -> F.arrayNode().add(r.nextInt(5) - 1).add(r.nextInt(5) - 1);
            case 11 -> F.arrayNode().add(r.nextInt(4)).add(r.nextInt(4)).add(r.nextInt(4));
            case 12 -> F.arrayNode();
            default -> F.objectNode().put("class_name", "Zeros");
        };
    }
}
