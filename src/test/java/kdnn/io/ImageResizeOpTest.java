package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.KerasVersion;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras 3's {@code ops.image.resize} called on a model's tensor (saved as the operation
 * {@code keras.src.ops.image.Resize} with its arguments in the config): read as the Resizing layer of
 * those arguments (interpolation, antialias, crop or pad to the aspect ratio, data format), which it
 * computes exactly, and kept through a {@code .keras} file.
 */
class ImageResizeOpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer resizing(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': 'Resizing', 'config': " + config + "}").replace('\'', '"')),
                KerasVersion.KERAS_3);
    }

    @Test
    void theOperationComputesAsItsResizing(@TempDir Path dir) throws Exception {
        String[][] cases = {
                // the operation's config, and the Resizing that computes the same
                {"{'name': 'up', 'size': [9, 7], 'interpolation': 'bicubic', 'antialias': false, 'crop_to_aspect_ratio': false,"
                        + " 'pad_to_aspect_ratio': false, 'fill_mode': 'constant', 'fill_value': 0.0, 'data_format': 'channels_last'}",
                        "{'height': 9, 'width': 7, 'interpolation': 'bicubic'}", "[null, 5, 6, 2]"},
                {"{'name': 'up', 'size': [3, 3], 'interpolation': 'lanczos3', 'antialias': true, 'crop_to_aspect_ratio': true,"
                        + " 'pad_to_aspect_ratio': false, 'fill_mode': 'constant', 'fill_value': 0.0, 'data_format': 'channels_last'}",
                        "{'height': 3, 'width': 3, 'interpolation': 'lanczos3', 'antialias': true, 'crop_to_aspect_ratio': true}",
                        "[null, 5, 6, 2]"},
                {"{'name': 'up', 'size': [4, 8], 'interpolation': 'nearest', 'antialias': false, 'crop_to_aspect_ratio': false,"
                        + " 'pad_to_aspect_ratio': true, 'fill_mode': 'constant', 'fill_value': 2.5, 'data_format': 'channels_first'}",
                        "{'height': 4, 'width': 8, 'interpolation': 'nearest', 'pad_to_aspect_ratio': true, 'fill_value': 2.5,"
                                + " 'data_format': 'channels_first'}", "[null, 2, 5, 6]"}};
        for (String[] c : cases) {
            String model = Keras3Ops.model(c[2], "up", List.of(new Keras3Ops.Op("up", "image", "Resize", c[0],
                    Keras3Ops.tensor("x"))));
            Path p = Files.writeString(dir.resolve("resize.json"), model);
            float[] x = new float[2 * 5 * 6 * 2];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.31) * 5;
            long[] shape = c[2].contains("2, 5, 6") ? new long[] {2, 2, 5, 6} : new long[] {2, 5, 6, 2};
            try (Model m = Models.load(p); Layer want = resizing(c[1]); Tensor in = Tensor.of(x, shape);
                 Tensor y = m.predict(in); Tensor w = want.call(in)) {
                assertArrayEquals(w.shape(), y.shape(), c[0]);
                assertArrayEquals(w.toFloatArray(), y.toFloatArray(), 0f, c[0]);
                Models.save(m, dir.resolve("resize.keras"));
                try (Model back = Models.load(dir.resolve("resize.keras")); Tensor again = back.predict(in)) {
                    assertArrayEquals(y.toFloatArray(), again.toFloatArray(), 0f, c[0]);
                }
                assertEquals("Resizing", m.layer("up").className());
            }
        }
    }
}
