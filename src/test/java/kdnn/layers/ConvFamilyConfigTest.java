package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The later Keras 2 convolutions: config forms in and out, Keras' refusals, and the Keras 3 switch. */
class ConvFamilyConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private static Layer layer(String s) throws Exception {
        return Layers.fromConfig(json(s));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{'class_name':'DepthwiseConv2D','config':{'kernel_size':3,'strides':2,'padding':'SAME','depth_multiplier':2}}",
        "{'class_name':'DepthwiseConv2D','config':{'kernel_size':[3,1],'data_format':'channels_first','dilation_rate':2,"
                + "'groups':1,'kernel_initializer':'glorot_uniform','kernel_regularizer':null,'kernel_constraint':null,"
                + "'depthwise_regularizer':{'class_name':'L2','config':{'l2':0.5}},'depthwise_constraint':'non_neg'}}",
        "{'class_name':'DepthwiseConv1D','config':{'kernel_size':4,'padding':'same','activation':'relu','use_bias':false,"
                + "'batch_input_shape':[null,9,3],'dtype':'float32','trainable':false}}",
        "{'class_name':'SeparableConv1D','config':{'filters':3,'kernel_size':3,'padding':'causal','dilation_rate':2,"
                + "'depth_multiplier':2,'kernel_initializer':{'class_name':'Zeros','config':{}}}}",
        "{'class_name':'Conv1DTranspose','config':{'filters':2,'kernel_size':3,'strides':3,'output_padding':2,'groups':2}}",
        "{'class_name':'Conv1DTranspose','config':{'filters':2,'kernel_size':3,'padding':'same','dilation_rate':[2]}}",
        "{'class_name':'Conv3DTranspose','config':{'filters':2,'kernel_size':[1,2,3],'strides':[2,1,2],"
                + "'output_padding':[1,0,0],'data_format':'channels_first'}}"
    })
    void configRoundTripsThroughTheCanonicalForm(String config) throws Exception {
        try (Layer a = layer(config)) {
            JsonNode canonical = Layers.toConfig(a);
            try (Layer b = Layers.fromConfig(canonical)) {
                assertEquals(canonical, Layers.toConfig(b));
                assertEquals(a.className(), b.className());
            }
        }
    }

    private static void refused(Executable make, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    private static void refused(String config, String... fragments) {
        refused(() -> {
            try (Layer l = layer(config)) {
                fail();
            }
        }, fragments);
    }

    private static void fail() {
        throw new AssertionError("accepted");
    }

    @Test
    void kerasRefusals() {
        refused("{'class_name':'DepthwiseConv1D','config':{'kernel_size':3,'padding':'causal'}}", "Causal", "DepthwiseConv1D");
        refused("{'class_name':'DepthwiseConv2D','config':{'kernel_size':3,'strides':2,'dilation_rate':[2,1]}}",
                "strides=(2, 2)", "dilation_rate=(2, 1)");
        refused("{'class_name':'DepthwiseConv2D','config':{'kernel_size':3,'depth_multiplier':0}}", "depth_multiplier", "0");
        refused("{'class_name':'DepthwiseConv2D','config':{'kernel_size':[3,0]}}", "kernel_size", "{0}");
        // DepthwiseConv passes filters=None to Conv itself: a `filters` key is one argument too many
        refused("{'class_name':'DepthwiseConv2D','config':{'kernel_size':3,'filters':4}}", "filters");
        refused("{'class_name':'DepthwiseConv2D','config':{'kernel_size':3,'depthwise_initializer':'glorot_unifrom'}}",
                "glorot_unifrom");
        refused("{'class_name':'DepthwiseConv2D','config':{'kernel_size':3,'kernel_initializer':'nope'}}", "nope");
        refused("{'class_name':'SeparableConv1D','config':{'filters':2,'kernel_size':3,'strides':2,'dilation_rate':2}}",
                "strides", "dilation_rate");
        refused("{'class_name':'SeparableConv1D','config':{'filters':4,'kernel_size':3,'groups':3}}", "groups=3", "filters=4");
        refused("{'class_name':'SeparableConv1D','config':{'kernel_size':3}}", "filters");
        refused("{'class_name':'Conv1DTranspose','config':{'filters':2,'kernel_size':3,'strides':2,'output_padding':2}}",
                "Strides must be greater than output padding", "output_padding=(2,)");
        refused("{'class_name':'Conv1DTranspose','config':{'filters':2,'kernel_size':3,'strides':2,'output_padding':-1}}",
                "output_padding", "-1");
        refused("{'class_name':'Conv1DTranspose','config':{'filters':2,'kernel_size':3,'padding':'causal'}}", "Causal");
        refused("{'class_name':'Conv3DTranspose','config':{'filters':2,'kernel_size':3,'strides':[2,2,1],'output_padding':[1,2,0]}}",
                "output padding");
        refused("{'class_name':'Conv3DTranspose','config':{'filters':2,'kernel_size':3,'strides':2,'dilation_rate':2}}",
                "dilation_rate");
        refused("{'class_name':'Conv3DTranspose','config':{'filters':2,'kernel_size':[3,3]}}", "kernel_size", "3 integers");
    }

    @Test
    void tensorFlowRefusesATransposedLengthItsConvolutionDoesNotMapBack() throws Exception {
        // 'same', kernel 4, stride 2, output_padding 0: Keras asks for (5-1)*2 = 8, which maps back to 4
        try (Layer l = layer("{'class_name':'Conv3DTranspose','config':{'name':'t','filters':2,'kernel_size':[3,4,3],"
                + "'strides':2,'padding':'same','output_padding':[1,0,1]}}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.build(1, 5, 5, 5, 2));
            assertTrue(e.getMessage().contains("\"t\"") && e.getMessage().contains("axis 1")
                    && e.getMessage().contains("length 8"), e.getMessage());
            assertFalse(l.isBuilt());
        }
        // an odd kernel, or output_padding 1, is fine
        try (Layer l = layer("{'class_name':'Conv3DTranspose','config':{'filters':2,'kernel_size':[3,4,3],"
                + "'strides':2,'padding':'same','output_padding':1}}")) {
            assertArrayEquals(new long[] {1, 10, 9, 10, 2}, l.computeOutputShape(new long[] {1, 5, 5, 5, 2}));
        }
    }

    @Test
    void depthwiseWeightsAndShapesAreKeras() {
        try (DepthwiseConv2D d = DepthwiseConv2D.builder(3, 2).depthMultiplier(3).dataFormat(DataFormat.CHANNELS_FIRST)
                .name("dw").build()) {
            assertArrayEquals(new long[] {-1, 12, 5, 6}, d.computeOutputShape(new long[] {-1, 4, 7, 7}));
            d.build(2, 4, 7, 7);
            List<Weight> w = d.getWeights();
            assertEquals("depthwise_kernel", w.get(0).name());
            assertArrayEquals(new int[] {3, 2, 4, 3}, w.get(0).shape());
            assertArrayEquals(new int[] {12}, w.get(1).shape());
            assertEquals(3 * 2 * 4 * 3 + 12, d.countParams());
            refused(() -> d.setWeights(List.of(new Weight("depthwise_kernel", new int[] {3, 2, 3, 4}, new float[72]),
                    w.get(1))), "(3, 2, 4, 3)", "(3, 2, 3, 4)");
            refused(() -> d.setWeights(List.of(w.get(0), new Weight("bias", new int[] {4}, new float[4]))), "(12,)", "(4,)");
            refused(() -> d.setWeights(w.subList(0, 1)), "length 1", "expecting 2");
            refused(() -> d.computeOutputShape(new long[] {1, 5, 7, 7}), "\"dw\"", "axis 1", "value 4");
            refused(() -> d.computeOutputShape(new long[] {1, 4, 7}), "\"dw\"", "ndim=4", "ndim=3");
            try (Tensor x = Tensor.of(new float[4 * 7], 1L, 4, 7)) {
                refused(() -> d.call(x), "ndim=4");
            }
        }
        try (DepthwiseConv1D d = DepthwiseConv1D.builder(5).build()) {
            refused(() -> d.build(1, 4, 3), "<= 0");
            assertFalse(d.isBuilt());
        }
        assertThrows(IllegalArgumentException.class, () -> DepthwiseConv1D.builder(3).filters(2));
        assertThrows(IllegalArgumentException.class, () -> Conv2D.builder(2, 3).depthMultiplier(2));
        assertThrows(IllegalArgumentException.class, () -> SeparableConv1D.builder(2, 3).outputPadding(1));
    }

    @Test
    void transposedAndSeparableWeightsAreKeras() {
        try (Conv3DTranspose t = Conv3DTranspose.builder(5, 2, 3, 1).build()) {
            t.build(1, 4, 4, 4, 2);
            assertArrayEquals(new int[] {2, 3, 1, 5, 2}, t.getWeights().get(0).shape());
            assertArrayEquals(new int[] {5}, t.getWeights().get(1).shape());
        }
        try (SeparableConv1D s = SeparableConv1D.builder(5, 3).depthMultiplier(2).useBias(false).build()) {
            s.build(1, 8, 3);
            List<Weight> w = s.getWeights();
            assertEquals(List.of("depthwise_kernel", "pointwise_kernel"), w.stream().map(Weight::name).toList());
            assertArrayEquals(new int[] {3, 3, 2}, w.get(0).shape());
            assertArrayEquals(new int[] {1, 6, 5}, w.get(1).shape());
        }
    }

    @Test
    void conv3dTransposeTakesDilationButKeras2IgnoresItAndLeavesItOut() throws Exception {
        String config = "{'filters':2,'kernel_size':3,'dilation_rate':2}";
        try (Conv3DTranspose k2 = Conv3DTranspose.fromConfig(json(config));
             Conv3DTranspose k3 = Conv3DTranspose.fromConfig(json(config), KerasVersion.KERAS_3)) {
            long[] in = {1, 4, 4, 4, 1};
            assertArrayEquals(new long[] {1, 6, 6, 6, 2}, k2.computeOutputShape(in)); // k_eff 3
            assertArrayEquals(new long[] {1, 8, 8, 8, 2}, k3.computeOutputShape(in)); // k_eff 5
            assertFalse(k2.getConfig().has("dilation_rate"));
            assertEquals(json("[2,2,2]"), k3.getConfig().get("dilation_rate"));
            assertEquals(KerasVersion.KERAS_3, k3.kerasVersion());
        }
        try (Conv1DTranspose t = Conv1DTranspose.fromConfig(json(config.replace("2}", "[2]}")))) {
            assertArrayEquals(new long[] {1, 8, 2}, t.computeOutputShape(new long[] {1, 4, 1}));
            assertEquals(json("[2]"), t.getConfig().get("dilation_rate"));
        }
    }

    @Test
    void keras3TakesStridesWithDilationForDepthwiseAndSeparableOnly() throws Exception {
        JsonNode strided = json("{'kernel_size':3,'strides':2,'dilation_rate':2,'padding':'same'}");
        try (DepthwiseConv2D d = DepthwiseConv2D.fromConfig(strided, KerasVersion.KERAS_3)) {
            assertArrayEquals(new long[] {1, 5, 5, 3}, d.computeOutputShape(new long[] {1, 9, 9, 3}));
        }
        JsonNode separable = json("{'filters':4,'kernel_size':3,'strides':2,'dilation_rate':2}");
        try (SeparableConv1D s = SeparableConv1D.fromConfig(separable, KerasVersion.KERAS_3)) {
            assertArrayEquals(new long[] {1, 3, 4}, s.computeOutputShape(new long[] {1, 10, 3})); // (10-5)/2+1
        }
        refused(() -> DepthwiseConv2D.fromConfig(strided), "strides", "dilation_rate");
        refused(() -> Conv2D.fromConfig(json("{'filters':2,'kernel_size':3,'strides':2,'dilation_rate':2}"),
                KerasVersion.KERAS_3), "strides", "dilation_rate");
        JsonNode causal = json("{'filters':4,'kernel_size':3,'padding':'causal'}");
        try (SeparableConv1D s = SeparableConv1D.fromConfig(causal)) {
            assertEquals("causal", s.getConfig().get("padding").asText());
        }
        refused(() -> SeparableConv1D.fromConfig(causal, KerasVersion.KERAS_3), "Causal", "Keras 3");
        try (Conv1D c = Conv1D.builder(2, 3).padding(Padding.CAUSAL).kerasVersion(KerasVersion.KERAS_3).build()) {
            assertEquals(Padding.CAUSAL, c.spec().padding());
        }
    }

    @Test
    void separableKeepsTheKernelArgumentsTfKerasWrites() throws Exception {
        try (Layer l = layer("{'class_name':'SeparableConv1D','config':{'filters':2,'kernel_size':3,"
                + "'kernel_initializer':{'class_name':'Ones','config':{}},'kernel_regularizer':'l1'}}")) {
            JsonNode c = l.getConfig();
            assertEquals("Ones", c.get("kernel_initializer").get("class_name").asText());
            assertEquals("L1", c.get("kernel_regularizer").get("class_name").asText());
            // they never reach a weight: Keras' SeparableConv initializes its kernels from depthwise_/pointwise_*
            assertEquals(0.0, l.weightPenalty());
        }
        try (Layer d = layer("{'class_name':'DepthwiseConv1D','config':{'kernel_size':3,"
                + "'kernel_initializer':{'class_name':'Ones','config':{}}}}")) {
            assertFalse(d.getConfig().has("kernel_initializer"));
        }
    }
}
