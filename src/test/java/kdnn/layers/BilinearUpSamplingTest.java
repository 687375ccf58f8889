package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceLayer;
import org.junit.jupiter.api.Test;

/** UpSampling2D(interpolation="bilinear") is TensorFlow 2's bilinear resize, in both data formats. */
class BilinearUpSamplingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void handComputedEdgesAndMidpoints() throws Exception {
        // 1x2 input [0, 4] doubled along W: positions -0.25, 0.25, 0.75, 1.25 -> 0, 1, 3, 4
        try (Layer l = UpSampling2D.builder().size(1, 2).interpolation("bilinear").build();
             Tensor x = Tensor.of(new float[] {0, 4}, 1L, 1, 2, 1); Tensor y = l.call(x)) {
            assertArrayEquals(new float[] {0, 1, 3, 4}, y.toFloatArray());
        }
    }

    /** A size of (1, 1) is TensorFlow's no-op resize, a copy: infinities and NaN stay where they are, in both modes. */
    @Test
    void aSizeOfOneCopiesTheImageWithItsInfinities() throws Exception {
        float[] x = {1, Float.NaN, 2, 3, Float.POSITIVE_INFINITY, 5, 6, 7, Float.NEGATIVE_INFINITY};
        for (ExtremeValues mode : ExtremeValues.values()) {
            try (Layer l = UpSampling2D.builder().size(1, 1).interpolation("bilinear").build();
                 Tensor in = Tensor.of(x, 1L, 3, 3, 1)) {
                l.setExtremes(mode);
                try (Tensor y = l.call(in)) {
                    assertArrayEquals(x, y.toFloatArray(), 0f, mode.toString());
                }
            }
        }
    }

    @Test
    void randomShapesMatchTheReference() throws Exception {
        SplittableRandom r = new SplittableRandom(21);
        for (int trial = 0; trial < 40; trial++) {
            boolean cf = r.nextBoolean();
            int[] size = {1 + r.nextInt(4), 1 + r.nextInt(4)};
            int[] shape = cf ? new int[] {1 + r.nextInt(2), 1 + r.nextInt(3), 1 + r.nextInt(6), 1 + r.nextInt(6)}
                    : new int[] {1 + r.nextInt(2), 1 + r.nextInt(6), 1 + r.nextInt(6), 1 + r.nextInt(3)};
            ObjectNode layer = (ObjectNode) JSON.readTree("{\"class_name\":\"UpSampling2D\",\"config\":{\"size\":["
                    + size[0] + "," + size[1] + "],\"interpolation\":\"bilinear\",\"data_format\":\""
                    + (cf ? "channels_first" : "channels_last") + "\"}}");
            float[] x = TestData.random(r, Arrays.stream(shape).reduce(1, (a, b) -> a * b));
            RefArray want = ReferenceLayer.run(layer, new RefArray(shape, x), List.of());
            try (Layer l = Layers.fromConfig(layer);
                 Tensor in = Tensor.of(x, shape); Tensor out = l.call(in)) {
                assertEquals("bilinear", l.getConfig().get("interpolation").asText());
                assertArrayEquals(Arrays.stream(want.shape()).asLongStream().toArray(), out.shape());
                float[] got = out.toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    assertTrue(Math.abs(got[i] - want.data()[i]) <= 1e-6, layer + " value " + i + ": " + got[i]
                            + " vs " + want.data()[i]);
                }
            }
        }
    }
}
