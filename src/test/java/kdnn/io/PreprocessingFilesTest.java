package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.Conv2D;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.layers.Weight;
import kdnn.model.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preprocessing at the top of Keras' image models (Rescaling, then Normalization with adapted
 * statistics, as EfficientNet starts) written in every format and read back: the same weights,
 * the sample count included, and the same outputs.
 */
class PreprocessingFilesTest {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @Test
    void rescalingAndAdaptedNormalizationSurviveEveryFormat(@TempDir Path dir) throws Exception {
        Layer rescale = Layers.fromConfig(JSON.readTree(
                "{\"class_name\":\"Rescaling\",\"config\":{\"name\":\"rescale\",\"scale\":0.00392156862745098,\"offset\":0.0}}"));
        Layer norm = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Normalization\",\"config\":{\"name\":\"norm\",\"axis\":-1}}"));
        Layer perChannel = Layers.fromConfig(JSON.readTree(
                "{\"class_name\":\"Rescaling\",\"config\":{\"name\":\"std\",\"scale\":[4.36,4.46,4.44],\"offset\":0.0}}"));
        Conv2D conv = Conv2D.builder(2, 3).name("conv").build();
        try (Sequential m = Sequential.of("pre", List.of(rescale, norm, perChannel, conv), -1, 6, 6, 3)) {
            norm.setWeights(List.of(new Weight("mean", new int[] {3}, new float[] {0.485f, 0.456f, 0.406f}),
                    new Weight("variance", new int[] {3}, new float[] {0.052f, 0.05f, 0.051f}),
                    new Weight("count", new int[0], new float[] {1281167})));
            float[] x = new float[6 * 6 * 3];
            for (int i = 0; i < x.length; i++) x[i] = (i * 53) % 256;
            try (Tensor in = Tensor.of(x, 1, 6, 6, 3)) {
                Fixtures.everyFormat(m, dir, in, (file, back, got) -> {
                    assertEquals(norm.getWeights(), back.layer("norm").getWeights(), file);
                    assertEquals(Layers.toConfig(perChannel).get("config").get("scale"),
                            Layers.toConfig(back.layer("std")).get("config").get("scale"), file);
                });
            }
        }
    }

    /** A model that takes any photo size: Resizing (padded to the aspect ratio), CenterCrop, then a convolution. */
    @Test
    void resizingAndCenterCropSurviveEveryFormat(@TempDir Path dir) throws Exception {
        Layer resize = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Resizing\",\"config\":{\"name\":\"resize\","
                + "\"height\":10,\"width\":10,\"pad_to_aspect_ratio\":true,\"fill_value\":127.5}}"));
        Layer crop = Layers.fromConfig(JSON.readTree(
                "{\"class_name\":\"CenterCrop\",\"config\":{\"name\":\"crop\",\"height\":8,\"width\":8}}"));
        Conv2D conv = Conv2D.builder(2, 3).name("conv").build();
        try (Sequential m = Sequential.of("photo", List.of(resize, crop, conv), -1, 7, 13, 3)) {
            float[] x = new float[7 * 13 * 3];
            for (int i = 0; i < x.length; i++) x[i] = (i * 37) % 256;
            try (Tensor in = Tensor.of(x, 1, 7, 13, 3); Tensor y = m.predict(in); Tensor a = resize.call(in);
                 Tensor b = crop.call(a); Tensor want = conv.call(b)) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 0f);
                Fixtures.everyFormat(m, dir, in, (file, back, got) -> {
                    var c = Layers.toConfig(back.layer("resize")).get("config");
                    assertEquals(127.5, c.get("fill_value").asDouble(), file);
                    assertEquals(true, c.get("pad_to_aspect_ratio").asBoolean(), file);
                });
            }
        }
    }
}
