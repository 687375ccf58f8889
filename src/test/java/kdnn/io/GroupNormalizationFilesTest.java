package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.model.Sequential;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model with GroupNormalization after a convolution computes as its layers one by one, channels
 * last and channels first (the planner hands it Keras' logical tensor), and every format writes
 * and reads it back; so does an embedding head ending in UnitNormalization.
 */
class GroupNormalizationFilesTest {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static Layer layer(String json) throws Exception {
        return Layers.fromConfig(JSON.readTree(json.replace('\'', '"')));
    }

    @ParameterizedTest
    @ValueSource(strings = {"channels_last", "channels_first"})
    void inAModelAndInEveryFormat(String dataFormat, @TempDir Path dir) throws Exception {
        boolean first = dataFormat.equals("channels_first");
        Layer conv = layer("{'class_name':'Conv2D','config':{'name':'conv','filters':6,'kernel_size':3,'padding':'same',"
                + "'data_format':'" + dataFormat + "'}}");
        Layer norm = layer("{'class_name':'GroupNormalization','config':{'name':'gn','groups':3,'axis':" + (first ? 1 : -1)
                + ",'epsilon':1e-5}}");
        Layer act = layer("{'class_name':'Activation','config':{'name':'act','activation':'swish'}}");
        Layer pool = layer("{'class_name':'GlobalAveragePooling2D','config':{'name':'gap','data_format':'" + dataFormat + "'}}");
        long[] shape = first ? new long[] {2, 2, 5, 5} : new long[] {2, 5, 5, 2};
        try (Sequential m = Sequential.of("gn_model", List.of(conv, norm, act, pool), -1, shape[1], shape[2], shape[3])) {
            Fixtures.setDistinctWeights(norm);
            float[] x = new float[2 * 5 * 5 * 2];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i) * 3;
            try (Tensor in = Tensor.of(x, shape); Tensor y = m.predict(in); Tensor a = conv.call(in);
                 Tensor b = norm.call(a); Tensor c = act.call(b); Tensor want = pool.call(c)) {
                assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 2e-6f);
                Fixtures.everyFormat(m, dir, in, (file, back, got) ->
                        assertEquals(norm.getWeights(), back.layer("gn").getWeights(), file));
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aUnitNormalizedEmbeddingInEveryFormat(@TempDir Path dir) throws Exception {
        Layer conv = layer("{'class_name':'Conv1D','config':{'name':'conv','filters':4,'kernel_size':3}}");
        Layer gn = layer("{'class_name':'GroupNormalization','config':{'name':'gn','groups':-1}}");
        Layer pool = layer("{'class_name':'GlobalMaxPooling1D','config':{'name':'gmp'}}");
        Layer unit = layer("{'class_name':'UnitNormalization','config':{'name':'unit','axis':-1}}");
        try (Sequential m = Sequential.of("embedding", List.of(conv, gn, pool, unit), -1, 7, 2)) {
            float[] x = new float[3 * 7 * 2];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.7) * 2;
            try (Tensor in = Tensor.of(x, 3, 7, 2); Tensor y = m.predict(in)) {
                float[] v = y.toFloatArray();
                for (int s = 0; s < 3; s++) {
                    double ss = 0;
                    for (int j = 0; j < 4; j++) ss += v[s * 4 + j] * v[s * 4 + j];
                    assertEquals(1.0, ss, 1e-5, "sample " + s + "'s squared length");
                }
                Fixtures.everyFormat(m, dir, in, (file, back, got) -> assertEquals("UnitNormalization",
                        back.layer("unit").className(), file));
            }
        }
    }

    /**
     * TensorFlow Addons' group and instance normalization, as tf.keras writes them before 2.13
     * ({@code "Addons>..."}) and after (module and registered name), read as Keras' GroupNormalization.
     */
    @ParameterizedTest
    @ValueSource(strings = {"legacy", "registered"})
    void addonsNormalizationsReadAsKerasGroupNormalization(String form, @TempDir Path dir) throws Exception {
        String conv = "{'class_name': 'Conv2D', 'config': {'name': 'conv', 'filters': 4, 'kernel_size': [3, 3],"
                + " 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 1}}}}";
        String[] addons = {"GroupNormalization", "InstanceNormalization"};
        String[] keras = {"{'class_name': 'GroupNormalization', 'config': {'name': 'norm', 'groups': 2, 'epsilon': 0.001}}",
                "{'class_name': 'GroupNormalization', 'config': {'name': 'norm', 'groups': -1, 'epsilon': 0.001}}"};
        for (int k = 0; k < 2; k++) {
            String entry = form.equals("legacy")
                    ? "{'class_name': 'Addons>" + addons[k] + "', 'config': {'name': 'norm', 'groups': " + (k == 0 ? 2 : 4)
                            + ", 'axis': -1, 'epsilon': 0.001, 'center': true, 'scale': true}}"
                    : "{'module': 'tensorflow_addons.layers.normalizations', 'class_name': '" + addons[k] + "',"
                            + " 'config': {'name': 'norm', 'groups': " + (k == 0 ? 2 : 4) + ", 'axis': -1, 'epsilon': 0.001,"
                            + " 'center': true, 'scale': true}, 'registered_name': 'Addons>" + addons[k] + "'}";
            String model = "{'class_name': 'Sequential', 'config': {'name': 's', 'layers': ["
                    + "{'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 6, 6, 2], 'name': 'in'}}, "
                    + conv + ", %s]}, 'keras_version': '2.9.0', 'backend': 'tensorflow'}";
            java.nio.file.Path a = java.nio.file.Files.writeString(dir.resolve("addons.json"), model.formatted(entry).replace('\'', '"'));
            // the weights: the Keras model's own (seeded), saved as Keras does
            java.nio.file.Path b = dir.resolve("keras.h5");
            try (var m = kdnn.model.ModelConfigs.build(JSON.readTree(model.formatted(keras[k]).replace('\'', '"')),
                    (path, layer, expected) -> layer.getWeights())) {
                Models.save(m, b);
            }
            float[] x = new float[6 * 6 * 2];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i * 0.3);
            try (var ma = Models.load(a, b); var mb = Models.load(b); Tensor in = Tensor.of(x, 1, 6, 6, 2);
                 Tensor ya = ma.predict(in); Tensor yb = mb.predict(in)) {
                assertArrayEquals(yb.toFloatArray(), ya.toFloatArray(), 0f, addons[k]);
                assertEquals("GroupNormalization", ma.layer("norm").className());
            }
        }
    }
}
