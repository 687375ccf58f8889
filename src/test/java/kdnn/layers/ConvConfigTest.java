package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Keras' config forms in, the canonical form out, and Keras' refusals. */
class ConvConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{'class_name':'Conv1D','config':{'filters':4,'kernel_size':3,'padding':'causal','dilation_rate':2}}",
        "{'class_name':'Conv2D','config':{'name':'c','filters':4,'kernel_size':[3,2],'strides':2,'padding':'SAME','data_format':'channels_first','activation':'relu','use_bias':false}}",
        "{'class_name':'Conv2D','config':{'filters':6,'kernel_size':3,'groups':3,'data_format':null}}",
        "{'class_name':'Conv3D','config':{'filters':2,'kernel_size':[1,2,3],'strides':[1,1,2],'activation':'tanh'}}",
        "{'class_name':'Conv2DTranspose','config':{'filters':3,'kernel_size':3,'strides':2,'padding':'same','output_padding':[1,0]}}",
        "{'class_name':'SeparableConv2D','config':{'filters':3,'kernel_size':3,'depth_multiplier':2,'activation':'softmax'}}"
    })
    void configRoundTripsThroughTheCanonicalForm(String config) throws Exception {
        try (Layer a = Layers.fromConfig(json(config))) {
            JsonNode canonical = Layers.toConfig(a);
            try (Layer b = Layers.fromConfig(canonical)) {
                assertEquals(canonical, Layers.toConfig(b));
                assertEquals(a.className(), b.className());
            }
        }
    }

    @Test
    void intArgumentsBecomePerAxisTuples() throws Exception {
        try (Layer l = Layers.fromConfig(json("{'class_name':'Conv3D','config':{'filters':2,'kernel_size':3,'strides':2}}"))) {
            JsonNode c = l.getConfig();
            assertEquals(json("[3,3,3]"), c.get("kernel_size"));
            assertEquals(json("[2,2,2]"), c.get("strides"));
            assertEquals("valid", c.get("padding").asText());
            assertEquals("channels_last", c.get("data_format").asText());
            assertEquals("linear", c.get("activation").asText());
            assertTrue(c.get("use_bias").asBoolean());
        }
    }

    @Test
    void builderDefaultsAreKeras() {
        try (Conv2D c = Conv2D.builder(8, 3).build()) {
            assertArrayEquals(new int[] {3, 3}, c.spec().kernel());
            assertArrayEquals(new int[] {1, 1}, c.spec().strides());
            assertEquals(Padding.VALID, c.spec().padding());
            assertEquals(DataFormat.CHANNELS_LAST, c.spec().format());
            assertEquals(Activation.LINEAR, c.activation());
            assertTrue(c.useBias());
            assertTrue(c.name().startsWith("conv2d"));
        }
    }

    private static void refused(String config, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            try (Layer l = Layers.fromConfig(json(config))) {
                l.build(1, 8, 8, 8, 3);
            }
        });
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    @Test
    void kerasRefusals() {
        refused("{'class_name':'Conv2D','config':{'filters':0,'kernel_size':3}}", "filters", "0");
        refused("{'class_name':'Conv2D','config':{'filters':-2,'kernel_size':3}}", "filters", "-2");
        refused("{'class_name':'Conv2D','config':{'filters':2,'kernel_size':[3,0]}}", "kernel_size", "0");
        refused("{'class_name':'Conv2D','config':{'filters':2,'kernel_size':[3,3,3]}}", "kernel_size", "2 integers");
        refused("{'class_name':'Conv2D','config':{'filters':2,'kernel_size':3,'strides':0}}", "strides");
        refused("{'class_name':'Conv2D','config':{'filters':2,'kernel_size':3,'padding':'full'}}", "padding", "full");
        refused("{'class_name':'Conv2D','config':{'filters':2,'kernel_size':3,'padding':'causal'}}", "Causal", "Conv1D");
        refused("{'class_name':'Conv2D','config':{'filters':2,'kernel_size':3,'data_format':'nhwc'}}", "data_format", "nhwc");
        refused("{'class_name':'Conv2D','config':{'filters':2,'kernel_size':3,'activation':'relu7'}}", "activation", "relu7");
        refused("{'class_name':'Conv2D','config':{'filters':2,'kernel_size':3,'strides':2,'dilation_rate':2}}", "strides", "dilation_rate");
        refused("{'class_name':'Conv2D','config':{'filters':4,'kernel_size':3,'groups':3}}", "groups=3", "filters=4");
        refused("{'class_name':'Conv2D','config':{'filters':2,'kernel_size':3,'kernel_sise':3}}", "kernel_sise");
        refused("{'class_name':'SeparableConv2D','config':{'filters':2,'kernel_size':3,'depth_multiplier':0}}", "depth_multiplier", "0");
        refused("{'class_name':'Conv2DTranspose','config':{'filters':2,'kernel_size':3,'strides':2,'output_padding':2}}", "output padding");
        refused("{'class_name':'Conv2DTranspose','config':{'filters':2,'kernel_size':3,'padding':'causal'}}", "Causal");
        refused("{'class_name':'Conv2D','config':{'filters':2,'kernel_size':3,'dtype':'float64'}}", "dtype", "float64");
        refused("{'class_name':'Hashing','config':{'num_bins':3}}", "Hashing");
        // (k - 1) * d + 1 past int32 overflowed and reached oneDNN (found by HostileInputProperties)
        refused("{'class_name':'SeparableConv1D','config':{'filters':1,'kernel_size':3,'dilation_rate':2147483647}}",
                "dilation_rate", "2147483647");
    }

    @Test
    void inputRefusalsNameTheLayerAndShape() {
        try (Conv2D c = Conv2D.builder(2, 3).name("c2").build()) {
            IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, () -> c.build(1, 5, 5));
            assertTrue(rank.getMessage().contains("\"c2\"") && rank.getMessage().contains("ndim=4"), rank.getMessage());
            IllegalArgumentException small = assertThrows(IllegalArgumentException.class, () -> c.build(1, 2, 5, 3));
            assertTrue(small.getMessage().contains("<= 0"), small.getMessage());
            c.build(1, 5, 5, 3);
            IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
                    () -> c.computeOutputShape(new long[] {1, 5, 5, 4}));
            assertTrue(channels.getMessage().contains("axis -1") && channels.getMessage().contains("value 3"),
                    channels.getMessage());
        }
    }

    @Test
    void setWeightsChecksCountAndShapes() {
        try (Conv2D c = Conv2D.builder(2, 3).name("w").build()) {
            c.build(1, 5, 5, 3);
            List<Weight> w = c.getWeights();
            assertEquals(2, w.size());
            assertArrayEquals(new int[] {3, 3, 3, 2}, w.get(0).shape());
            assertArrayEquals(new int[] {2}, w.get(1).shape());
            IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> c.setWeights(w.subList(0, 1)));
            assertTrue(count.getMessage().contains("length 1") && count.getMessage().contains("expecting 2"), count.getMessage());
            Weight wrong = new Weight("kernel", new int[] {3, 3, 2, 3}, new float[54]);
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> c.setWeights(List.of(wrong, w.get(1))));
            assertTrue(shape.getMessage().contains("(3, 3, 3, 2)") && shape.getMessage().contains("(3, 3, 2, 3)"),
                    shape.getMessage());
            assertEquals(56, c.countParams());
        }
    }
}
