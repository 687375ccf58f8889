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
        for (double[] so : new double[][] {{1 / 255.0, 0}, {1 / 127.5, -1}, {0.1, 0.3}, {-3, 1e-3}}) {
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
            assertEquals(0.00392156862745098, ((Rescaling) a).scale());
            assertEquals(-1.0, ((Rescaling) b).offset());
            assertEquals(0.0, ((Rescaling) c).offset());
            try (Layer back = Layers.fromConfig(Layers.toConfig(a))) {
                assertEquals(Layers.toConfig(a), Layers.toConfig(back));
            }
        }
        var missing = assertThrows(IllegalArgumentException.class, () -> layer("{'offset':1}"));
        assertTrue(missing.getMessage().contains("missing 1 required positional argument: 'scale'"), missing.getMessage());
        var perChannel = assertThrows(IllegalArgumentException.class, () -> layer("{'scale':[1,2,3]}"));
        assertTrue(perChannel.getMessage().contains("a per-channel list is not supported"), perChannel.getMessage());
        var typo = assertThrows(IllegalArgumentException.class, () -> layer("{'scale':1,'ofset':2}"));
        assertTrue(typo.getMessage().contains("unexpected keyword argument(s) [ofset]"), typo.getMessage());
    }

    @Test
    void inAModelBeforeAConvolutionAsLayerByLayer() throws Exception {
        try (Layer scale = layer("{'name':'pre','scale':0.00784313725490196,'offset':-1}");
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
}
