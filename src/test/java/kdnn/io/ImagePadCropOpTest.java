package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras 3's {@code ops.image.pad_images} and {@code crop_images}: two of each side's three numbers given,
 * the third worked out from the image's size as Keras does, read as ZeroPadding2D and Cropping2D; against
 * the padding and window written out here, both data formats; Keras' refusals in its words.
 */
class ImagePadCropOpTest {
    private static String model(String cls, String config, boolean channelsFirst) {
        String shape = channelsFirst ? "[null, 2, 4, 5]" : "[null, 4, 5, 2]";
        String tensor = "{'class_name': '__keras_tensor__', 'config': {'shape': " + shape + ", 'dtype': 'float32',"
                + " 'keras_history': ['x', 0, 0]}}";
        return Keras3Ops.model(shape, "op", List.of(new Keras3Ops.Op("op", "image", cls, config, tensor)));
    }

    /** The (1, 2, 4, 5) channels-first image's value at (c, y, x), or 0 outside it. */
    private static float at(float[] x, int c, int y, int w) {
        return y < 0 || y >= 4 || w < 0 || w >= 5 ? 0 : x[(c * 4 + y) * 5 + w];
    }

    @Test
    void sidesAsKerasWorksThemOut(@TempDir Path dir) throws Exception {
        float[] cf = new float[40];
        for (int i = 0; i < cf.length; i++) cf[i] = i + 1;
        // pad: top 1, target height 7 (bottom 2); left 0, right 2 (target width 7)
        String pad = "{'name': 'op', 'top_padding': 1, 'left_padding': 0, 'bottom_padding': null, 'right_padding': 2,"
                + " 'target_height': 7, 'target_width': null, 'data_format': 'channels_first'}";
        float[] want = new float[2 * 7 * 7];
        for (int c = 0; c < 2; c++) for (int y = 0; y < 7; y++) for (int w = 0; w < 7; w++) want[(c * 7 + y) * 7 + w] = at(cf, c, y - 1, w);
        try (Model m = Models.load(Files.writeString(dir.resolve("p.json"), model("PadImages", pad, true)));
             Tensor in = Tensor.of(cf, 1, 2, 4, 5); Tensor y = m.predict(in)) {
            assertEquals("ZeroPadding2D", m.allLayers().get(m.allLayers().size() - 1).className());
            assertArrayEquals(new long[] {1, 2, 7, 7}, y.shape());
            assertArrayEquals(want, y.toFloatArray(), 0f);
            RoundTrips.predictSame(m, dir, List.of(in), List.of("m.keras", "m.h5"));
        }
        // crop, channels_last: bottom 1 and target height 2 (top 1); left 1, target width 3 (right 1)
        float[] cl = new float[40];
        for (int y = 0; y < 4; y++) for (int w = 0; w < 5; w++) for (int c = 0; c < 2; c++) cl[(y * 5 + w) * 2 + c] = at(cf, c, y, w);
        String crop = "{'name': 'op', 'top_cropping': null, 'left_cropping': 1, 'bottom_cropping': 1, 'right_cropping': null,"
                + " 'target_height': 2, 'target_width': 3, 'data_format': 'channels_last'}";
        float[] cropped = new float[2 * 3 * 2];
        for (int y = 0; y < 2; y++) for (int w = 0; w < 3; w++) for (int c = 0; c < 2; c++) cropped[(y * 3 + w) * 2 + c] = at(cf, c, y + 1, w + 1);
        try (Model m = Models.load(Files.writeString(dir.resolve("c.json"), model("CropImages", crop, false)));
             Tensor in = Tensor.of(cl, 1, 4, 5, 2); Tensor y = m.predict(in)) {
            assertArrayEquals(new long[] {1, 2, 3, 2}, y.shape());
            assertArrayEquals(cropped, y.toFloatArray(), 0f);
        }
    }

    @Test
    void kerasRefusals(@TempDir Path dir) throws Exception {
        String[][] cases = {
            {"PadImages", "{'name': 'op', 'top_padding': 1, 'bottom_padding': 1, 'target_height': 6, 'left_padding': 0,"
                + " 'right_padding': 0}", "Must specify exactly two of top_padding, bottom_padding, target_height"},
            {"PadImages", "{'name': 'op', 'top_padding': 5, 'target_height': 6, 'left_padding': 0, 'right_padding': 0}",
                "bottom_padding must be >= 0. Received: bottom_padding=-3"},
            {"CropImages", "{'name': 'op', 'top_cropping': 3, 'bottom_cropping': 1, 'left_cropping': 0,"
                + " 'right_cropping': 0}", "target_height must be > 0"},
        };
        for (String[] c : cases) {
            Path p = Files.writeString(dir.resolve("bad.json"), model(c[0], c[1], false));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(p).close(), c[1]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
    }
}
