package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras 3's STFTSpectrogram in front of a Conv1D, as keras.io's audio classification builds it: the
 * model computes what its layers compute one by one, keeps the kernels through a {@code .keras} file,
 * and refuses Keras 2's formats, which have no such class.
 */
class STFTSpectrogramModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void inAModelInKeras3FilesAndRefusedByKeras2Formats(@TempDir Path dir) throws Exception {
        String config = ("{'class_name': 'Functional', 'config': {'name': 'audio', 'layers': ["
                + "{'class_name': 'InputLayer', 'config': {'batch_shape': [null, 400, 1], 'name': 'wave'}, 'name': 'wave',"
                + " 'inbound_nodes': []},"
                + "{'class_name': 'STFTSpectrogram', 'config': {'name': 'stft', 'mode': 'log', 'frame_length': 64,"
                + " 'frame_step': 32, 'fft_length': 64, 'window': 'hann', 'trainable': false}, 'name': 'stft',"
                + " 'inbound_nodes': [{'args': [{'class_name': '__keras_tensor__', 'config': {'shape': [null, 400, 1],"
                + " 'dtype': 'float32', 'keras_history': ['wave', 0, 0]}}], 'kwargs': {}}]},"
                + "{'class_name': 'Conv1D', 'config': {'name': 'conv', 'filters': 8, 'kernel_size': 3, 'activation': 'relu'},"
                + " 'name': 'conv', 'inbound_nodes': [{'args': [{'class_name': '__keras_tensor__', 'config': {'shape':"
                + " [null, 11, 33], 'dtype': 'float32', 'keras_history': ['stft', 0, 0]}}], 'kwargs': {}}]}],"
                + " 'input_layers': [['wave', 0, 0]], 'output_layers': [['conv', 0, 0]]},"
                + " 'keras_version': '3.15.1', 'backend': 'tensorflow'}").replace('\'', '"');
        float[] x = new float[2 * 400];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.05) + 0.1f * (float) Math.cos(i * 1.7);
        try (Model m = kdnn.model.ModelConfigs.build(ConfigNormalizer.normalize(JSON.readTree(config), "audio"),
                (path, layer, expected) -> layer.getWeights()); Tensor in = Tensor.of(x, 2, 400, 1); Tensor y = m.predict(in)) {
            assertArrayEquals(new long[] {2, 9, 8}, y.shape());
            Layer stft = m.layer("stft");
            // layer by layer, and the kernels a .keras file holds
            try (Tensor s = stft.call(in); Tensor c = m.layer("conv").call(s)) {
                assertArrayEquals(c.toFloatArray(), y.toFloatArray(), 0f);
            }
            Models.save(m, dir.resolve("audio.keras"));
            try (Model back = Models.load(dir.resolve("audio.keras")); Tensor again = back.predict(in)) {
                assertArrayEquals(y.toFloatArray(), again.toFloatArray(), 0f);
                assertEquals(Layers.toConfig(stft), Layers.toConfig(back.layer("stft")));
                assertArrayEquals(stft.getWeights().get(1).values(), back.layer("stft").getWeights().get(1).values());
            }
            var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("audio.h5")));
            assertTrue(e.getMessage().contains("is Keras 3's class STFTSpectrogram"), e.getMessage());
        }
    }

    /** MelSpectrogram (no weights) in front of a Conv1D over its mel bins: the same through a .keras file, refused by .h5. */
    @Test
    void melSpectrogramInAModel(@TempDir Path dir) throws Exception {
        String config = ("{'class_name': 'Functional', 'config': {'name': 'mel', 'layers': ["
                + "{'class_name': 'InputLayer', 'config': {'batch_shape': [null, 2000], 'name': 'wave'}, 'name': 'wave',"
                + " 'inbound_nodes': []},"
                + "{'class_name': 'MelSpectrogram', 'config': {'name': 'mel', 'fft_length': 256, 'sequence_stride': 128,"
                + " 'num_mel_bins': 20, 'sampling_rate': 8000}, 'name': 'mel',"
                + " 'inbound_nodes': [{'args': [{'class_name': '__keras_tensor__', 'config': {'shape': [null, 2000],"
                + " 'dtype': 'float32', 'keras_history': ['wave', 0, 0]}}], 'kwargs': {}}]},"
                + "{'class_name': 'Conv1D', 'config': {'name': 'conv', 'filters': 4, 'kernel_size': 3},"
                + " 'name': 'conv', 'inbound_nodes': [{'args': [{'class_name': '__keras_tensor__', 'config': {'shape':"
                + " [null, 20, 16], 'dtype': 'float32', 'keras_history': ['mel', 0, 0]}}], 'kwargs': {}}]}],"
                + " 'input_layers': [['wave', 0, 0]], 'output_layers': [['conv', 0, 0]]},"
                + " 'keras_version': '3.15.1', 'backend': 'tensorflow'}").replace('\'', '"');
        float[] x = new float[2 * 2000];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.07) * (i < 2000 ? 1 : 1e-5f); // 100 dB apart
        try (Model m = kdnn.model.ModelConfigs.build(ConfigNormalizer.normalize(JSON.readTree(config), "mel"),
                (path, layer, expected) -> layer.getWeights()); Tensor in = Tensor.of(x, 2, 2000); Tensor y = m.predict(in)) {
            assertArrayEquals(new long[] {2, 18, 4}, y.shape());
            try (Tensor s = m.layer("mel").call(in); Tensor c = m.layer("conv").call(s)) {
                assertArrayEquals(c.toFloatArray(), y.toFloatArray(), 0f);
            }
            Models.save(m, dir.resolve("mel.keras"));
            try (Model back = Models.load(dir.resolve("mel.keras")); Tensor again = back.predict(in)) {
                assertArrayEquals(y.toFloatArray(), again.toFloatArray(), 0f);
                assertEquals(Layers.toConfig(m.layer("mel")), Layers.toConfig(back.layer("mel")));
            }
            var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("mel.h5")));
            assertTrue(e.getMessage().contains("is Keras 3's class MelSpectrogram"), e.getMessage());
            // one sample at a time would floor each at its own largest value: a plan never splits this batch
            m.setBatchSlice(1);
            try (Tensor sliced = m.predict(in)) {
                assertArrayEquals(y.toFloatArray(), sliced.toFloatArray(), 0f);
            }
        }
    }
}
