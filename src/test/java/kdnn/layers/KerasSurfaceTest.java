package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/** Regularizers, constraints and initializers as a layer carries them; the kernels oneDNN picks. */
class KerasSurfaceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String json) throws Exception {
        return Layers.fromConfig(JSON.readTree(json.replace('\'', '"')));
    }

    @Test
    void weightAndActivityPenaltiesAreKeras() throws Exception {
        try (Layer l = layer("{'class_name':'Conv2D','config':{'filters':2,'kernel_size':1,"
                + "'kernel_regularizer':{'class_name':'L1L2','config':{'l1':0.5,'l2':0.25}},"
                + "'bias_regularizer':'l2','activity_regularizer':{'class_name':'L1','config':{'l1':0.1}}}}")) {
            l.build(1, 1, 1, 2);
            l.setWeights(List.of(new Weight("kernel", new int[] {1, 1, 2, 2}, new float[] {1, -2, 3, -4}),
                    new Weight("bias", new int[] {2}, new float[] {1, 2})));
            // 0.5*(1+2+3+4) + 0.25*(1+4+9+16) + 0.01*(1+4)
            assertEquals(0.5 * 10 + 0.25 * 30 + 0.01 * 5, l.weightPenalty(), 1e-6);
            try (Tensor x = Tensor.of(new float[] {1, 1}, 1L, 1, 1, 2); Tensor y = l.call(x)) {
                float[] v = y.toFloatArray(); // kernel rows (1,-2) and (3,-4): [1+3+1, -2-4+2] = [5, -4]
                assertEquals(5f, v[0]);
                assertEquals(-4f, v[1]);
                assertEquals(0.1 * 9, l.activityPenalty(y), 1e-6);
            }
        }
    }

    @Test
    void constraintsApplyOnRequestAndTheLayerComputesWithTheResult() throws Exception {
        try (Layer l = layer("{'class_name':'Conv2D','config':{'filters':1,'kernel_size':1,'use_bias':false,"
                + "'kernel_constraint':{'class_name':'NonNeg','config':{}}}}");
             Tensor x = Tensor.of(new float[] {1, 1}, 1L, 1, 1, 2)) {
            l.build(1, 1, 1, 2);
            l.setWeights(List.of(new Weight("kernel", new int[] {1, 1, 2, 1}, new float[] {-3, 2})));
            try (Tensor y = l.call(x)) {
                assertEquals(-1f, y.get(0));
            }
            l.applyConstraints();
            float[] w = l.getWeights().get(0).values();
            assertEquals(0.0, w[0], 0.0); // Keras: w * (w >= 0), so -0.0 here
            assertEquals(2f, w[1]);
            try (Tensor y = l.call(x)) {
                assertEquals(2f, y.get(0), "the prepacked weights must follow the constrained values");
            }
        }
    }

    @Test
    void seededInitializersGiveTheSameWeightsAndConfigsRoundTrip() throws Exception {
        String json = "{'class_name':'SeparableConv2D','config':{'name':'sep','filters':3,'kernel_size':3,"
                + "'depthwise_initializer':{'class_name':'VarianceScaling','config':{'scale':2.0,'mode':'fan_out',"
                + "'distribution':'uniform','seed':7}},'pointwise_initializer':{'class_name':'Orthogonal','config':{'gain':1.0,'seed':3}},"
                + "'bias_initializer':{'class_name':'Constant','config':{'value':0.5}}}}";
        try (Layer a = layer(json); Layer b = Layers.fromConfig(Layers.toConfig(layer(json)))) {
            a.build(1, 5, 5, 4);
            b.build(1, 5, 5, 4);
            assertEquals(a.getWeights(), b.getWeights());
            assertEquals(0.5f, a.getWeights().get(2).values()[0]);
            assertEquals(Layers.toConfig(a), Layers.toConfig(b));
        }
    }

    @Test
    void unknownInitializerIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> layer("{'class_name':'Conv2D','config':{'filters':1,'kernel_size':1,'kernel_initializer':'glorot_unifrom'}}"));
        assertTrue(e.getMessage().contains("glorot_unifrom"), e.getMessage());
    }

    @Test
    void everyLayerKindRunsOnOptimizedKernelsInBothFormats() {
        for (DataFormat f : DataFormat.values()) {
            boolean cf = f == DataFormat.CHANNELS_FIRST;
            long[] s2 = cf ? new long[] {1, 16, 20, 20} : new long[] {1, 20, 20, 16};
            long[] s1 = cf ? new long[] {1, 16, 50} : new long[] {1, 50, 16};
            long[] s3 = cf ? new long[] {1, 8, 6, 10, 10} : new long[] {1, 6, 10, 10, 8};
            List<Layer> layers = List.of(
                    SeparableConv2D.builder(16, 3).dataFormat(f).padding(Padding.SAME).build(),
                    Conv2DTranspose.builder(16, 3).strides(2).dataFormat(f).padding(Padding.SAME).build(),
                    Conv2D.builder(16, 3).dataFormat(f).activation(Activation.SOFTMAX).build(),
                    Conv1D.builder(16, 2).dilationRate(4).padding(Padding.CAUSAL).dataFormat(f).build(),
                    Conv3D.builder(8, 3).dataFormat(f).padding(Padding.SAME).build(),
                    DepthwiseConv2D.builder(3).dataFormat(f).padding(Padding.SAME).activation(Activation.RELU).build(),
                    DepthwiseConv2D.builder(3).depthMultiplier(2).strides(2).dataFormat(f).build(),
                    DepthwiseConv1D.builder(5).depthMultiplier(2).dilationRate(2).padding(Padding.SAME).dataFormat(f).build(),
                    SeparableConv1D.builder(16, 3).padding(Padding.CAUSAL).dataFormat(f).build(),
                    Conv1DTranspose.builder(16, 3).strides(2).dataFormat(f).build(),
                    Conv3DTranspose.builder(8, 3).strides(2).padding(Padding.SAME).dataFormat(f).build());
            List<long[]> shapes = List.of(s2, s2, s2, s1, s3, s2, s2, s1, s1, s1, s3);
            for (int i = 0; i < layers.size(); i++) {
                try (Layer l = layers.get(i)) {
                    List<String> impls = l.implementations(shapes.get(i));
                    for (String impl : impls) {
                        assertFalse(impl.contains(":ref") || impl.contains("gemm:") || impl.contains("ncsp"),
                                l + " " + f + " runs a slow kernel: " + impls);
                    }
                    assertTrue(impls.stream().anyMatch(s -> s.startsWith("convolution") || s.startsWith("deconvolution")), impls.toString());
                }
            }
        }
    }
}
