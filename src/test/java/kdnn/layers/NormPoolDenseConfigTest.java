package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Configs of BatchNormalization, Dense and the pooling layers: every form Keras 2 writes, round trips, refusals. */
class NormPoolDenseConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private static Layer layer(String s) throws Exception {
        return Layers.fromConfig(json(s));
    }

    private static void roundTrips(String s) throws Exception {
        try (Layer a = layer(s); Layer b = Layers.fromConfig(Layers.toConfig(a))) {
            assertEquals(Layers.toConfig(a), Layers.toConfig(b), s);
            assertEquals(a.className(), b.className());
        }
    }

    @Test
    void configsRoundTripToEqualLayers() throws Exception {
        roundTrips("{'class_name':'BatchNormalization','config':{'name':'bn','axis':[1],'momentum':0.9,'epsilon':1e-5,"
                + "'center':false,'scale':true,'gamma_initializer':{'class_name':'RandomNormal','config':{'mean':1.0,"
                + "'stddev':0.02,'seed':4}},'gamma_regularizer':{'class_name':'L2','config':{'l2':0.01}},"
                + "'gamma_constraint':{'class_name':'NonNeg','config':{}},'moving_variance_initializer':'ones'}}");
        roundTrips("{'class_name':'BatchNormalization','config':{'axis':-2,'fused':false,'trainable':false}}");
        roundTrips("{'class_name':'Dense','config':{'name':'d','units':7,'activation':'log_softmax','use_bias':false,"
                + "'kernel_initializer':{'class_name':'HeNormal','config':{'seed':1}},'kernel_regularizer':'l1',"
                + "'activity_regularizer':{'class_name':'L2','config':{'l2':0.5}},"
                + "'kernel_constraint':{'class_name':'MaxNorm','config':{'max_value':2,'axis':0}}}}");
        for (String cls : List.of("MaxPooling1D", "AveragePooling1D")) {
            roundTrips("{'class_name':'" + cls + "','config':{'pool_size':3,'strides':null,'padding':'SAME'}}");
        }
        for (String cls : List.of("MaxPooling2D", "AveragePooling2D")) {
            roundTrips("{'class_name':'" + cls + "','config':{'pool_size':[2,3],'strides':[1,2],'data_format':'channels_first'}}");
        }
        for (String cls : List.of("MaxPooling3D", "AveragePooling3D")) {
            roundTrips("{'class_name':'" + cls + "','config':{'pool_size':2,'strides':1,'padding':'same','data_format':null}}");
        }
        for (String cls : List.of("GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
                "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D")) {
            roundTrips("{'class_name':'" + cls + "','config':{'data_format':'channels_first','keepdims':true}}");
            roundTrips("{'class_name':'" + cls + "','config':{}}");
        }
    }

    @Test
    void kerasFormsReadAsKerasMeansThem() throws Exception {
        try (BasePooling p = (BasePooling) layer("{'class_name':'MaxPooling2D','config':{'name':'p','trainable':true,"
                + "'dtype':'float32','pool_size':3,'padding':'SAME','strides':null,'batch_input_shape':[null,7,7,2]}}")) {
            assertArrayEquals(new int[] {3, 3}, p.poolSize());
            assertArrayEquals(new int[] {3, 3}, p.strides(), "strides null means pool_size");
            assertEquals(Padding.SAME, p.padding());
            assertEquals(DataFormat.CHANNELS_LAST, p.dataFormat());
            assertTrue(p.isBuilt(), "batch_input_shape builds the layer");
            JsonNode c = p.getConfig();
            assertEquals(json("[3,3]"), c.get("pool_size"));
            assertEquals(json("[3,3]"), c.get("strides"));
            assertEquals("same", c.get("padding").asText());
        }
        try (BatchNormalization bn = (BatchNormalization) layer("{'class_name':'BatchNormalization','config':{'axis':[3],"
                + "'momentum':0.99,'epsilon':0.001,'center':true,'scale':true,'renorm':false,'renorm_clipping':null,"
                + "'renorm_momentum':0.99,'virtual_batch_size':null,'adjustment':null,'synchronized':false,'fused':null,"
                + "'batch_input_shape':[null,2,2,5]}}")) {
            assertEquals(3, bn.axis());
            assertEquals(4, bn.getWeights().size());
            assertEquals(10, bn.countTrainableParams());
        }
        try (Dense d = (Dense) layer("{'class_name':'Dense','config':{'units':2,'activation':null}}")) {
            assertEquals(Activation.LINEAR, d.activation());
            assertEquals("linear", d.getConfig().get("activation").asText());
        }
        try (BaseGlobalPooling g = (BaseGlobalPooling) layer("{'class_name':'GlobalAveragePooling2D','config':{'data_format':'channels_last'}}")) {
            assertEquals(false, g.keepdims(), "a missing keepdims is false");
        }
    }

    private static void refused(String s, String... words) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer(s).close(), s);
        for (String w : words) assertTrue(e.getMessage().contains(w), "\"" + w + "\" not in: " + e.getMessage());
    }

    @Test
    void badArgumentsAreRefusedNamingThem() {
        refused("{'class_name':'Dense','config':{'units':3,'kernel_size':2}}", "kernel_size");
        refused("{'class_name':'Dense','config':{'units':0}}", "units", "0");
        refused("{'class_name':'Dense','config':{}}", "units");
        refused("{'class_name':'Dense','config':{'units':2,'activation':'relu7'}}", "relu7");
        refused("{'class_name':'Dense','config':{'units':2,'kernel_initializer':'glorot_unifrom'}}", "glorot_unifrom");
        refused("{'class_name':'Dense','config':{'units':2,'dtype':'float16'}}", "dtype");
        refused("{'class_name':'BatchNormalization','config':{'virtual_batch_size':0}}", "virtual_batch_size");
        refused("{'class_name':'BatchNormalization','config':{'adjustment':'f'}}", "adjustment");
        refused("{'class_name':'BatchNormalization','config':{'axis':[1,2]}}", "axis", "[1,2]");
        refused("{'class_name':'BatchNormalization','config':{'epsilon':0}}", "epsilon");
        refused("{'class_name':'BatchNormalization','config':{'epsilon':'small'}}", "epsilon");
        refused("{'class_name':'BatchNormalization','config':{'beta_regularizer':'l3'}}", "l3");
        refused("{'class_name':'BatchNormalization','config':{'gamma':1}}", "gamma");
        refused("{'class_name':'MaxPooling2D','config':{'pool_size':[0,2]}}", "pool_size", "value > 0");
        refused("{'class_name':'MaxPooling2D','config':{'pool_size':[2,2,2]}}", "pool_size", "2 integers");
        refused("{'class_name':'AveragePooling1D','config':{'strides':-1}}", "strides");
        refused("{'class_name':'AveragePooling1D','config':{'padding':'causal'}}", "padding", "causal");
        refused("{'class_name':'AveragePooling3D','config':{'data_format':'channels_middle'}}", "data_format", "channels_middle");
        refused("{'class_name':'MaxPooling3D','config':{'pool':2}}", "pool");
        refused("{'class_name':'GlobalMaxPooling2D','config':{'keepdims':'yes'}}", "keepdims");
        refused("{'class_name':'GlobalAveragePooling1D','config':{'pool_size':2}}", "pool_size");
    }

    @Test
    void shapesKerasRefusesAreRefusedAtBuild() throws Exception {
        try (Layer p = layer("{'class_name':'AveragePooling2D','config':{'pool_size':[7,7]}}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.build(1, 5, 9, 1));
            assertTrue(e.getMessage().contains("Negative dimension size caused by subtracting 7 from 5"), e.getMessage());
            assertArrayEquals(new long[] {-1, 1, 1, 1}, p.computeOutputShape(new long[] {-1, 7, 7, 1}));
        }
        try (Layer bn = layer("{'class_name':'BatchNormalization','config':{'axis':4}}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.build(1, 3, 3, 2));
            assertTrue(e.getMessage().contains("layer.axis=4"), e.getMessage());
        }
        try (Layer bn = layer("{'class_name':'BatchNormalization','config':{'axis':0}}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.build(-1, 3));
            assertTrue(e.getMessage().contains("defined dimension"), e.getMessage());
        }
        try (Layer d = layer("{'class_name':'Dense','config':{'units':3}}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.build(2, -1));
            assertTrue(e.getMessage().contains("should be defined"), e.getMessage());
            assertArrayEquals(new long[] {-1, 5, 3}, d.computeOutputShape(new long[] {-1, 5, 4}));
        }
    }

    /** Keras 3's LoRA arguments: the stored kernel has the adapter merged in, so the layer computes as without them. */
    @Test
    void loraArgumentsOfDenseAndConvolutionsAreTakenAndComputeNothing() throws Exception {
        String[][] pairs = {
            {"{'class_name':'Dense','config':{'units':3,'lora_rank':4,'lora_alpha':8.0,'quantization_config':null}}",
                "{'class_name':'Dense','config':{'units':3}}", "2,5"},
            {"{'class_name':'Conv2D','config':{'filters':3,'kernel_size':2,'lora_rank':2,'lora_alpha':null}}",
                "{'class_name':'Conv2D','config':{'filters':3,'kernel_size':2}}", "1,4,4,2"},
            {"{'class_name':'Conv1D','config':{'filters':2,'kernel_size':3,'lora_rank':1}}",
                "{'class_name':'Conv1D','config':{'filters':2,'kernel_size':3}}", "1,6,2"},
        };
        for (String[] p : pairs) {
            long[] shape = java.util.Arrays.stream(p[2].split(",")).mapToLong(Long::parseLong).toArray();
            try (Layer lora = layer(p[0]); Layer plain = layer(p[1])) {
                lora.build(shape);
                plain.build(shape);
                plain.setWeights(lora.getWeights());
                float[] x = new float[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
                for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
                try (kdnn.Tensor in = kdnn.Tensor.of(x, shape); kdnn.Tensor a = lora.call(in); kdnn.Tensor b = plain.call(in)) {
                    assertArrayEquals(b.toFloatArray(), a.toFloatArray(), p[0]);
                }
                assertEquals(2, lora.getWeights().size(), "kernel and bias only: " + p[0]);
            }
        }
        var rank = assertThrows(IllegalArgumentException.class,
                () -> layer("{'class_name':'Dense','config':{'units':3,'lora_rank':0}}"));
        assertTrue(rank.getMessage().contains("`lora_rank` must be a positive integer or None, got 0"), rank.getMessage());
        var alpha = assertThrows(IllegalArgumentException.class,
                () -> layer("{'class_name':'Conv2D','config':{'filters':1,'kernel_size':1,'lora_alpha':'big'}}"));
        assertTrue(alpha.getMessage().contains("`lora_alpha` must be a number or None"), alpha.getMessage());
        var quantized = assertThrows(IllegalArgumentException.class,
                () -> layer("{'class_name':'Dense','config':{'units':3,'quantization_config':{'mode':'int8'}}}"));
        assertTrue(quantized.getMessage().contains("`quantization_config`="), quantized.getMessage());
        // Keras 3 has no LoRA on depthwise convolutions: an unexpected keyword there
        var depthwise = assertThrows(IllegalArgumentException.class,
                () -> layer("{'class_name':'DepthwiseConv2D','config':{'kernel_size':1,'lora_rank':2}}"));
        assertTrue(depthwise.getMessage().contains("unexpected keyword argument(s) [lora_rank]"), depthwise.getMessage());
    }

    /** tf-keras' and Keras 3's batch renormalization: its statistics are held as Keras holds them, inference ignores them. */
    @Test
    void batchRenormalizationHoldsItsStatisticsAndInfersAsWithout() throws Exception {
        String renorm = "{'class_name':'BatchNormalization','config':{'axis':-1,'renorm':true,"
                + "'renorm_clipping':{'rmax':3.0,'rmin':0.3,'dmax':5.0},'renorm_momentum':0.9}}";
        try (Layer r = layer(renorm); Layer plain = layer("{'class_name':'BatchNormalization','config':{'axis':-1}}")) {
            r.build(new long[] {2, 3, 4});
            plain.build(new long[] {2, 3, 4});
            assertEquals(List.of("gamma", "beta", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean",
                    "renorm_stddev"), r.getWeights().stream().map(Weight::name).toList());
            assertEquals(8, r.countTrainableParams(), "gamma and beta only");
            assertEquals(List.of(true, true, false, false, false, false, false),
                    java.util.stream.IntStream.range(0, 7).mapToObj(r::isTrainableWeight).toList());
            List<Weight> ws = new java.util.ArrayList<>();
            for (int k = 0; k < 7; k++) {
                float[] v = new float[4];
                for (int c = 0; c < 4; c++) v[c] = k == 3 ? 0.5f + c : (float) Math.sin(k * 4 + c) * (k >= 4 ? 100 : 1);
                ws.add(new Weight(r.getWeights().get(k).name(), new int[] {4}, v));
            }
            r.setWeights(ws);
            plain.setWeights(ws.subList(0, 4));
            float[] x = new float[24];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i);
            try (kdnn.Tensor in = kdnn.Tensor.of(x, 2, 3, 4); kdnn.Tensor a = r.call(in); kdnn.Tensor b = plain.call(in)) {
                assertArrayEquals(b.toFloatArray(), a.toFloatArray());
            }
            var c = r.getConfig();
            assertTrue(c.get("renorm").asBoolean() && c.get("renorm_momentum").asDouble() == 0.9
                    && c.get("renorm_clipping").get("rmax").asDouble() == 3.0, c.toString());
            assertTrue(!plain.getConfig().has("renorm"), "a layer without it writes no renorm keys, as tf-keras");
        }
        var bad = assertThrows(IllegalArgumentException.class, () -> layer(
                "{'class_name':'BatchNormalization','config':{'renorm':true,'renorm_clipping':3}}"));
        assertTrue(bad.getMessage().contains("renorm_clipping"), bad.getMessage());
    }
}
