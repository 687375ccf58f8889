package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every layer around the convolutions runs on oneDNN's optimized kernels, channels_last and channels_first. */
class SurroundingKernelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String cls, String config) throws Exception {
        return Layers.fromConfig(JSON.readTree("{\"class_name\":\"" + cls + "\",\"config\":{" + config.replace('\'', '"') + "}}"));
    }

    private static void assertOptimized(Layer l, long... shape) {
        try (l) {
            List<String> impls = l.implementations(shape);
            assertFalse(impls.isEmpty(), l.toString());
            for (String impl : impls) {
                assertFalse(impl.contains(":ref") || impl.contains("ref:") || impl.contains("ncsp"),
                        l + " on " + java.util.Arrays.toString(shape) + " runs a slow kernel: " + impls);
            }
        }
    }

    @Test
    void everyClassRunsOnOptimizedKernelsInBothFormats() throws Exception {
        for (String format : new String[] {"channels_last", "channels_first"}) {
            boolean cf = format.equals("channels_first");
            long[] s4 = cf ? new long[] {2, 16, 20, 20} : new long[] {2, 20, 20, 16};
            long[] s5 = cf ? new long[] {1, 8, 6, 10, 10} : new long[] {1, 6, 10, 10, 8};
            String df = "'data_format':'" + format + "'";
            for (String a : new String[] {"relu", "relu6", "elu", "selu", "softplus", "softsign", "tanh", "sigmoid",
                "hard_sigmoid", "exponential", "swish", "silu", "gelu", "mish", "leaky_relu", "linear", "softmax",
                "log_softmax"}) {
                assertOptimized(layer("Activation", "'activation':'" + a + "'"), s4);
            }
            assertOptimized(layer("ReLU", "'max_value':6"), s4);
            assertOptimized(layer("ReLU", "'max_value':2.5,'negative_slope':0.1"), s4);
            assertOptimized(layer("ReLU", "'max_value':2.5,'negative_slope':0.1,'threshold':0.5"), s4);
            assertOptimized(layer("LeakyReLU", "'alpha':0.1"), s4);
            assertOptimized(layer("ELU", "'alpha':0.5"), s4);
            assertOptimized(layer("ThresholdedReLU", "'theta':0.5"), s4);
            // PReLU has no data_format: Keras' usual shared axes for either layout
            assertOptimized(layer("PReLU", "'shared_axes':" + (cf ? "[2,3]" : "[1,2]")), s4);
            assertOptimized(layer("PReLU", "'shared_axes':null"), s4);
            assertOptimized(layer("Softmax", "'axis':" + (cf ? 1 : -1)), s4);
            assertOptimized(layer("Softmax", "'axis':[1,2]"), s4);
            assertOptimized(layer("Dropout", "'rate':0.5"), s4);
            assertOptimized(layer("SpatialDropout1D", "'rate':0.5"), 2, 50, 16);
            assertOptimized(layer("SpatialDropout2D", "'rate':0.5," + df), s4);
            assertOptimized(layer("SpatialDropout3D", "'rate':0.5," + df), s5);
            assertOptimized(layer("GaussianDropout", "'rate':0.5"), s4);
            assertOptimized(layer("GaussianNoise", "'stddev':0.5"), s4);
            assertOptimized(layer("AlphaDropout", "'rate':0.5"), s4);
            assertOptimized(layer("ActivityRegularization", "'l1':0.1"), s4);
            assertOptimized(layer("Flatten", df), s4);
            assertOptimized(layer("Flatten", df), s5);
            assertOptimized(layer("Reshape", "'target_shape':[-1,16]"), s4);
            assertOptimized(layer("Permute", "'dims':" + (cf ? "[2,3,1]" : "[3,1,2]")), s4);
            assertOptimized(layer("RepeatVector", "'n':8"), 4, 64);
        }
    }
}
