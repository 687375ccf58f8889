package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Random;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceShapeOps;
import org.junit.jupiter.api.Test;

/**
 * Keras' Resizing, CenterCrop and RandomCrop (at inference) against TensorFlow's resize in its own float arithmetic
 * ({@link ReferenceShapeOps#resize}) over windows worked out as Keras' Python does: nearest pixel
 * for pixel, bilinear to the rounding of the sampling positions, up and down, both data formats,
 * cropping and padding to the aspect ratio, CenterCrop's two paths, NaN and infinities in
 * {@code keras} mode, and Keras' refusals.
 */
class ResizingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String className, String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'" + className + "','config':" + config + "}").replace('\'', '"')));
    }

    private static float[] image(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 255;
        return x;
    }

    private static float[] run(Layer l, float[] x, int... shape) {
        long[] s = new long[shape.length];
        for (int i = 0; i < s.length; i++) s[i] = shape[i];
        try (Tensor in = Tensor.of(x, s); Tensor y = l.call(in)) {
            return y.toFloatArray();
        }
    }

    /** Bilinear: within the rounding of a sampling position (a few float steps of the pixel range). */
    private static void assertClose(float[] want, float[] got, String where) {
        assertEquals(want.length, got.length, where);
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= 255 * 2e-6, where + " value " + i + ": " + got[i] + " against " + want[i]);
        }
    }

    @Test
    void resizesAsTensorFlowUpAndDownInBothFormats() throws Exception {
        Random r = new Random(5);
        int[][] sizes = {{7, 9, 3, 4}, {5, 5, 12, 17}, {8, 6, 8, 6}, {4, 10, 7, 3}, {6, 6, 1, 1}, {1, 5, 4, 2}, {16, 16, 9, 13}};
        for (int[] s : sizes) {
            for (String interpolation : new String[] {"bilinear", "nearest"}) {
                for (boolean first : new boolean[] {false, true}) {
                    int[] shape = first ? new int[] {2, 3, s[0], s[1]} : new int[] {2, s[0], s[1], 3};
                    float[] x = image(r, 2 * 3 * s[0] * s[1]);
                    String where = s[0] + "x" + s[1] + " -> " + s[2] + "x" + s[3] + " " + interpolation + (first ? " channels_first" : "");
                    try (Layer l = layer("Resizing", "{'height':" + s[2] + ",'width':" + s[3] + ",'interpolation':'"
                            + interpolation + "','data_format':'" + (first ? "channels_first" : "channels_last") + "'}")) {
                        float[] got = run(l, x, shape);
                        float[] want = ReferenceShapeOps.resize(new RefArray(shape, x), s[2], s[3],
                                interpolation.equals("bilinear"), first).data();
                        if (interpolation.equals("nearest")) assertArrayEquals(want, got, 0f, where);
                        else assertClose(want, got, where);
                    }
                }
            }
        }
    }

    @Test
    void nearestPicksTensorFlowsPixelWhereAPositionFallsOnAWholePixel() throws Exception {
        // 2 -> 41: output 20 sits at 0.99999994 in float; TensorFlow takes pixel 0 (exact arithmetic says 1)
        try (Layer l = layer("Resizing", "{'height':1,'width':41,'interpolation':'nearest'}")) {
            float[] got = run(l, new float[] {10, 20}, 1, 1, 2, 1);
            assertEquals(10f, got[20]);
            assertEquals(20f, got[21]);
            for (int in = 1; in <= 24; in++) {
                for (int out = 1; out <= 48; out++) {
                    for (int o = 0; o < out; o++) {
                        int want = (int) Math.min(Math.floor((o + 0.5f) * ((float) in / out)), in - 1);
                        assertEquals(want, kdnn.runtime.Resizes.nearestIndex(o, in, out), in + " -> " + out + " at " + o);
                    }
                }
            }
        }
    }

    @Test
    void cropsAndPadsToTheAspectRatioAsKeras() throws Exception {
        Random r = new Random(8);
        // input 9 x 14 to 4 x 4: crop keeps the centred 9 x 9 (left int(5 / 2) = 2); pad adds int((14 - 9) / 2) = 2 rows
        // above and below (13 x 14, one short of square: Keras pads the same amount on both sides)
        float[] x = image(r, 9 * 14 * 2);
        int[] shape = {1, 9, 14, 2};
        RefArray in = new RefArray(shape, x);
        for (String interpolation : new String[] {"bilinear", "nearest"}) {
            boolean bilinear = interpolation.equals("bilinear");
            try (Layer crop = layer("Resizing", "{'height':4,'width':4,'interpolation':'" + interpolation
                    + "','crop_to_aspect_ratio':true}");
                 Layer pad = layer("Resizing", "{'height':4,'width':4,'interpolation':'" + interpolation
                         + "','pad_to_aspect_ratio':true,'fill_value':7.5}")) {
                float[] wantCrop = ReferenceShapeOps.resize(ReferenceShapeOps.window(in, 0, 2, 9, 9, 0f, false), 4, 4,
                        bilinear, false).data();
                float[] wantPad = ReferenceShapeOps.resize(ReferenceShapeOps.window(in, -2, 0, 13, 14, 7.5f, false), 4, 4,
                        bilinear, false).data();
                float[] gotCrop = run(crop, x, shape);
                float[] gotPad = run(pad, x, shape);
                if (bilinear) {
                    assertClose(wantCrop, gotCrop, "crop " + interpolation);
                    assertClose(wantPad, gotPad, "pad " + interpolation);
                } else {
                    assertArrayEquals(wantCrop, gotCrop, 0f, "crop " + interpolation);
                    assertArrayEquals(wantPad, gotPad, 0f, "pad " + interpolation);
                }
            }
        }
    }

    @Test
    void centerCropCropsExactlyOrSmartResizesASmallerImage() throws Exception {
        Random r = new Random(11);
        float[] x = image(r, 2 * 9 * 8 * 3);
        int[] shape = {2, 9, 8, 3};
        RefArray in = new RefArray(shape, x);
        try (Layer l = layer("CenterCrop", "{'height':4,'width':5}")) {
            // rows from int(5 / 2) = 2, columns from int(3 / 2) = 1: a copy
            assertArrayEquals(ReferenceShapeOps.window(in, 2, 1, 4, 5, 0f, false).data(), run(l, x, shape), 0f);
        }
        try (Layer l = layer("CenterCrop", "{'height':12,'width':6}")) {
            // taller than the input: smart_resize takes the centred window of the target's aspect ratio, 9 rows
            // (min(9, int(8 * 12 / 6))) by int(9 * 6 / 12) = 4 columns from column int((8 - 4) / 2) = 2, and
            // resizes it bilinearly
            float[] want = ReferenceShapeOps.resize(ReferenceShapeOps.window(in, 0, 2, 9, 4, 0f, false), 12, 6, true, false).data();
            assertClose(want, run(l, x, shape), "smart_resize");
        }
        try (Layer l = layer("CenterCrop", "{'height':3,'width':3,'data_format':'channels_first'}")) {
            int[] cf = {2, 3, 9, 8};
            assertArrayEquals(ReferenceShapeOps.window(new RefArray(cf, x), 3, 2, 3, 3, 0f, true).data(), run(l, x, cf), 0f);
        }
    }

    @Test
    void randomCropAtInferenceIsSmartResize() throws Exception {
        Random r = new Random(13);
        float[] x = image(r, 9 * 8 * 3);
        int[] shape = {1, 9, 8, 3};
        RefArray in = new RefArray(shape, x);
        // to 4 x 6: the centred window of that aspect ratio is int(8 * 4 / 6) = 5 rows from row int((9 - 5) / 2) = 2,
        // all 8 columns (int(9 * 6 / 4) = 13, capped), resized bilinearly
        try (Layer l = layer("RandomCrop", "{'height':4,'width':6,'seed':42}")) {
            float[] want = ReferenceShapeOps.resize(ReferenceShapeOps.window(in, 2, 0, 5, 8, 0f, false), 4, 6, true, false).data();
            assertClose(want, run(l, x, shape), "RandomCrop");
            assertEquals(42, Layers.toConfig(l).get("config").get("seed").asInt());
        }
        // the same aspect ratio and size: the image itself
        try (Layer l = layer("RandomCrop", "{'height':9,'width':8}")) {
            assertArrayEquals(x, run(l, x, shape), 0f);
        }
    }

    @Test
    void infinitiesNextToAnOutputGiveTensorFlowsNanInKerasMode() throws Exception {
        // oneDNN's weighted sum keeps an infinity that TensorFlow's inf + (b - inf) * t turns into NaN (row 1, column 3)
        try (Layer l = layer("Resizing", "{'height':5,'width':5}")) {
            l.setExtremes(ExtremeValues.KERAS);
            float[] x = {1, 2, 3, 4, Float.POSITIVE_INFINITY, 6, 7, 8, Float.NaN};
            int[] shape = {1, 3, 3, 1};
            float[] want = ReferenceShapeOps.resize(new RefArray(shape, x), 5, 5, true, false).data();
            assertTrue(Float.isNaN(want[8]), "TensorFlow's value there: " + want[8]);
            float[] got = run(l, x, shape);
            for (int i = 0; i < want.length; i++) {
                if (Float.isFinite(want[i])) assertEquals(want[i], got[i], 1e-4, "value " + i);
                else assertEquals(want[i], got[i], "value " + i + " (" + java.util.Arrays.toString(got) + ")");
            }
        }
    }

    /** TensorFlow copies an image whose size stays ("no-op resizes"): its infinities stay, in Keras mode too. */
    @Test
    void aResizeToTheSameSizeIsACopyWithItsInfinities() throws Exception {
        try (Layer l = layer("Resizing", "{'height':3,'width':3}")) {
            l.setExtremes(ExtremeValues.KERAS);
            float[] x = {1, Float.POSITIVE_INFINITY, 3, Float.NEGATIVE_INFINITY, 5, 6, 7, 8, Float.NaN};
            assertArrayEquals(x, run(l, x, new int[] {1, 3, 3, 1}), 0f);
        }
    }

    @Test
    void aCroppedWindowsInfinityGivesTensorFlowsNanInKerasMode() throws Exception {
        // 3 x 5 cropped to the centred 3 x 3 (from column 1), then to 5 x 5: the infinity at input column 2
        try (Layer l = layer("Resizing", "{'height':5,'width':5,'crop_to_aspect_ratio':true}")) {
            l.setExtremes(ExtremeValues.KERAS);
            float[] x = {1, 2, 3, 4, 5, 6, 7, Float.POSITIVE_INFINITY, 9, 10, 11, 12, 13, 14, 15};
            int[] shape = {1, 3, 5, 1};
            float[] want = ReferenceShapeOps.resize(ReferenceShapeOps.window(new RefArray(shape, x), 0, 1, 3, 3, 0f, false),
                    5, 5, true, false).data();
            float[] got = run(l, x, shape);
            assertTrue(Float.isNaN(want[8]), "TensorFlow's value there: " + want[8]);
            for (int i = 0; i < want.length; i++) {
                if (Float.isFinite(want[i])) assertEquals(want[i], got[i], 1e-4, "value " + i);
                else assertEquals(want[i], got[i], "value " + i + " (" + java.util.Arrays.toString(got) + ")");
            }
        }
    }

    @Test
    void configsRoundTripAndRefusals() throws Exception {
        try (Layer a = layer("Resizing", "{'name':'resize','height':224,'width':224,'interpolation':'nearest',"
                + "'crop_to_aspect_ratio':false,'pad_to_aspect_ratio':true,'fill_mode':'constant','fill_value':1.0,"
                + "'data_format':'channels_last'}");
             Layer b = Layers.fromConfig(Layers.toConfig(a))) {
            assertEquals(Layers.toConfig(a), Layers.toConfig(b));
            assertArrayEquals(new long[] {-1, 224, 224, 3}, a.computeOutputShape(new long[] {-1, 300, 200, 3}));
        }
        try (Layer a = layer("CenterCrop", "{'name':'crop','height':8,'width':6,'data_format':'channels_first'}");
             Layer b = Layers.fromConfig(Layers.toConfig(a))) {
            assertEquals(Layers.toConfig(a), Layers.toConfig(b));
            assertArrayEquals(new long[] {2, 3, 8, 6}, a.computeOutputShape(new long[] {2, 3, 10, 10}));
        }
        String[][] refused = {
                {"Resizing", "{'height':4,'width':4,'interpolation':'cubic'}", "Invalid value for argument `interpolation`"},
                {"Resizing", "{'height':4,'width':4,'crop_to_aspect_ratio':true,'pad_to_aspect_ratio':true}",
                        "Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`."},
                {"Resizing", "{'height':4,'width':4,'fill_mode':'reflect'}", "Only `'constant'` is supported"},
                {"Resizing", "{'height':4,'width':4,'antialias':2}", "antialias"},
                {"Resizing", "{'height':0,'width':4}", "Received: height=0"},
                {"CenterCrop", "{'height':4}", "Received: height=4, width=0"},
                {"CenterCrop", "{'height':4,'width':4,'factor':0.5}", "factor"}};
        for (String[] c : refused) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0], c[1]), c[1]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
        try (Layer l = layer("Resizing", "{'height':4,'width':4}")) {
            var rank = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 8, 3}));
            assertTrue(rank.getMessage().contains("expected a batch of images, ndim=4"), rank.getMessage());
        }
    }
}
