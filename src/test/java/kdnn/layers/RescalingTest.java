package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceSurrounding;
import org.junit.jupiter.api.Test;

/**
 * Keras' Rescaling, as image models start (``Rescaling(1/255)``, ``Rescaling(1/127.5, offset=-1)``):
 * bitwise TensorFlow's float32 product then sum, configs in every form Keras writes, and inside a model.
 */
class RescalingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'Rescaling','config':" + config + "}").replace('\'', '"')));
    }

    @Test
    void bitwiseTheProductRoundedThenTheSum() throws Exception {
        Random r = new Random(5);
        float[] x = new float[4099]; // an odd count: the vector loop's tail too
        for (int i = 0; i < x.length; i++) x[i] = r.nextInt(16) == 0 ? 255 * r.nextFloat() : (float) (r.nextGaussian() * 1e3);
        x[0] = Float.NaN;
        x[1] = Float.POSITIVE_INFINITY;
        x[2] = -0f;
        // an offset of -0.0 is tf.math.multiply's plain product as kdnn reads it: -0.0 keeps its sign there
        for (double[] so : new double[][] {{1 / 255.0, 0}, {1 / 127.5, -1}, {0.1, 0.3}, {-3, 1e-3}, {-3, -0.0}, {0.5, -0.0}, {1, 3}, {1, -127.5}}) {
            try (Layer l = layer("{'scale':" + so[0] + ",'offset':" + so[1] + "}");
                 Tensor in = Tensor.of(x, 1, x.length); Tensor y = l.call(in)) {
                float[] want = ReferenceSurrounding.rescaling(new RefArray(new int[] {1, x.length}, x), so[0], so[1]).data();
                float[] got = y.toFloatArray();
                for (int i = 0; i < x.length; i++) {
                    assertTrue(Float.floatToIntBits(want[i]) == Float.floatToIntBits(got[i]),
                            "scale " + so[0] + " offset " + so[1] + ": x=" + x[i] + " gives " + got[i] + ", TensorFlow " + want[i]);
                }
            }
        }
    }

    @Test
    void configsInEveryFormKerasWritesAndRefusals() throws Exception {
        try (Layer a = layer("{'name':'r','trainable':true,'dtype':'float32','scale':0.00392156862745098,'offset':0.0}");
             Layer b = layer("{'scale':[0.5],'offset':[-1.0]}"); Layer c = layer("{'scale':2}")) {
            assertArrayEquals(new double[] {0.00392156862745098}, ((Rescaling) a).scale());
            assertArrayEquals(new double[] {-1.0}, ((Rescaling) b).offset());
            assertArrayEquals(new double[] {0.0}, ((Rescaling) c).offset());
            assertTrue(Layers.toConfig(b).get("config").get("scale").isArray(), "a list stays a list");
            try (Layer back = Layers.fromConfig(Layers.toConfig(a))) {
                assertEquals(Layers.toConfig(a), Layers.toConfig(back));
            }
        }
        var missing = assertThrows(IllegalArgumentException.class, () -> layer("{'offset':1}"));
        assertTrue(missing.getMessage().contains("missing 1 required positional argument: 'scale'"), missing.getMessage());
        var text = assertThrows(IllegalArgumentException.class, () -> layer("{'scale':['a']}"));
        assertTrue(text.getMessage().contains("`scale` must be a float or a list of floats"), text.getMessage());
        try (Layer three = layer("{'scale':[1,2,3]}")) {
            var wrong = assertThrows(IllegalArgumentException.class, () -> three.computeOutputShape(new long[] {1, 4, 4}));
            assertTrue(wrong.getMessage().contains("its last axis has 4 positions, but Rescaling's scale or offset holds 3"),
                    wrong.getMessage());
        }
        var typo = assertThrows(IllegalArgumentException.class, () -> layer("{'scale':1,'ofset':2}"));
        assertTrue(typo.getMessage().contains("unexpected keyword argument(s) [ofset]"), typo.getMessage());
    }

    /** Keras 3's EfficientNet: one scale per channel (its ImageNet standard deviations), broadcast against the last axis. */
    @Test
    void perChannelListsBitwiseAsTensorFlowBroadcasts() throws Exception {
        double[] scale = {1 / Math.sqrt(0.229 * 0.229), 1 / Math.sqrt(0.224 * 0.224), 1 / Math.sqrt(0.225 * 0.225)};
        double[] offset = {-0.485, -0.456, -0.406};
        Random r = new Random(11);
        float[] x = new float[2 * 5 * 7 * 3];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 2 - 0.5f;
        x[4] = Float.NaN;
        for (boolean offsetList : new boolean[] {true, false}) {
            String config = "{'scale':[" + scale[0] + "," + scale[1] + "," + scale[2] + "],'offset':"
                    + (offsetList ? "[" + offset[0] + "," + offset[1] + "," + offset[2] + "]" : "0.5") + "}";
            try (Layer l = layer(config); Tensor in = Tensor.of(x, 2, 5, 7, 3); Tensor y = l.call(in)) {
                float[] got = y.toFloatArray();
                for (int i = 0; i < x.length; i++) {
                    int c = i % 3;
                    float want = x[i] * (float) scale[c] + (float) (offsetList ? offset[c] : 0.5);
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got[i]), config + " value " + i);
                }
            }
        }
    }

    @Test
    void inAModelBeforeAConvolutionAsLayerByLayer() throws Exception {
        for (String pre : new String[] {"{'name':'pre','scale':0.00784313725490196,'offset':-1}",
                "{'name':'pre','scale':[0.01,0.02,0.03],'offset':[-1,0,1]}"})
        try (Layer scale = layer(pre);
             Layer conv = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Conv2D\",\"config\":{\"name\":\"c\",\"filters\":4,"
                     + "\"kernel_size\":3,\"activation\":\"relu\"}}"));
             kdnn.model.Sequential m = kdnn.model.Sequential.of("m", List.of(scale, conv), -1, 6, 6, 3)) {
            float[] x = new float[2 * 6 * 6 * 3];
            for (int i = 0; i < x.length; i++) x[i] = (i * 37) % 256;
            try (Tensor in = Tensor.of(x, 2, 6, 6, 3); Tensor y = m.predict(in); Tensor a = scale.call(in); Tensor want = conv.call(a)) {
                assertArrayEquals(want.toFloatArray(), y.toFloatArray());
            }
        }
    }

    /** After a channels_first convolution the list still meets Keras' last axis (the width there), not the channels. */
    @Test
    void aListAfterAChannelsFirstConvolutionMeetsKerasLastAxis() throws Exception {
        try (Layer conv = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Conv2D\",\"config\":{\"name\":\"c\","
                     + "\"filters\":3,\"kernel_size\":1,\"data_format\":\"channels_first\"}}"));
             Layer scale = layer("{'name':'s','scale':[1,10,100,1000],'offset':[0,1,2,3]}");
             Layer conv2 = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Conv2D\",\"config\":{\"name\":\"d\","
                     + "\"filters\":2,\"kernel_size\":1,\"data_format\":\"channels_first\"}}"));
             kdnn.model.Sequential m = kdnn.model.Sequential.of("m", List.of(conv, scale, conv2), -1, 2, 5, 4)) {
            float[] x = new float[2 * 2 * 5 * 4];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
            try (Tensor in = Tensor.of(x, 2, 2, 5, 4); Tensor y = m.predict(in); Tensor a = conv.call(in);
                 Tensor b = scale.call(a); Tensor want = conv2.call(b)) {
                assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 1e-5f);
            }
        }
    }
}
