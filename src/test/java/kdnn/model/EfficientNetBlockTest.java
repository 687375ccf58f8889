package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import kdnn.Tensor;
import kdnn.layers.Layer;
import org.junit.jupiter.api.Test;

/**
 * The shape of Keras' EfficientNet in small (its config form, as keras.applications builds it): the
 * preprocessing (Rescaling, Normalization, per-channel Rescaling), a stem, one MBConv block with
 * squeeze-and-excitation (a broadcast Multiply), dropout with a noise shape, a residual Add and the
 * head. The planned model (fusions, folded batch normalization) gives what calling each layer in
 * turn gives, in both treatments of extreme values.
 */
class EfficientNetBlockTest {
    private static final String CONFIG = """
        {"class_name": "Functional", "config": {"name": "efficientnet_tiny", "layers": [
          {"name": "input_1", "class_name": "InputLayer", "config": {"name": "input_1", "batch_input_shape": [null, 16, 16, 3]}, "inbound_nodes": []},
          {"name": "rescaling", "class_name": "Rescaling", "config": {"name": "rescaling", "scale": 0.00392156862745098, "offset": 0.0}, "inbound_nodes": [[["input_1", 0, 0, {}]]]},
          {"name": "normalization", "class_name": "Normalization", "config": {"name": "normalization", "axis": [-1], "mean": null, "variance": null, "invert": false}, "inbound_nodes": [[["rescaling", 0, 0, {}]]]},
          {"name": "rescaling_1", "class_name": "Rescaling", "config": {"name": "rescaling_1", "scale": [2.0896918976428642, 2.1128856368212916, 2.1081851067789197], "offset": 0.0}, "inbound_nodes": [[["normalization", 0, 0, {}]]]},
          {"name": "stem_conv_pad", "class_name": "ZeroPadding2D", "config": {"name": "stem_conv_pad", "padding": [[0, 1], [0, 1]]}, "inbound_nodes": [[["rescaling_1", 0, 0, {}]]]},
          {"name": "stem_conv", "class_name": "Conv2D", "config": {"name": "stem_conv", "filters": 8, "kernel_size": [3, 3], "strides": [2, 2], "padding": "valid", "use_bias": false}, "inbound_nodes": [[["stem_conv_pad", 0, 0, {}]]]},
          {"name": "stem_bn", "class_name": "BatchNormalization", "config": {"name": "stem_bn", "axis": 3}, "inbound_nodes": [[["stem_conv", 0, 0, {}]]]},
          {"name": "stem_activation", "class_name": "Activation", "config": {"name": "stem_activation", "activation": "swish"}, "inbound_nodes": [[["stem_bn", 0, 0, {}]]]},
          {"name": "block1a_dwconv", "class_name": "DepthwiseConv2D", "config": {"name": "block1a_dwconv", "kernel_size": [3, 3], "padding": "same", "use_bias": false}, "inbound_nodes": [[["stem_activation", 0, 0, {}]]]},
          {"name": "block1a_bn", "class_name": "BatchNormalization", "config": {"name": "block1a_bn", "axis": 3}, "inbound_nodes": [[["block1a_dwconv", 0, 0, {}]]]},
          {"name": "block1a_activation", "class_name": "Activation", "config": {"name": "block1a_activation", "activation": "swish"}, "inbound_nodes": [[["block1a_bn", 0, 0, {}]]]},
          {"name": "block1a_se_squeeze", "class_name": "GlobalAveragePooling2D", "config": {"name": "block1a_se_squeeze"}, "inbound_nodes": [[["block1a_activation", 0, 0, {}]]]},
          {"name": "block1a_se_reshape", "class_name": "Reshape", "config": {"name": "block1a_se_reshape", "target_shape": [1, 1, 8]}, "inbound_nodes": [[["block1a_se_squeeze", 0, 0, {}]]]},
          {"name": "block1a_se_reduce", "class_name": "Conv2D", "config": {"name": "block1a_se_reduce", "filters": 2, "kernel_size": [1, 1], "padding": "same", "activation": "swish"}, "inbound_nodes": [[["block1a_se_reshape", 0, 0, {}]]]},
          {"name": "block1a_se_expand", "class_name": "Conv2D", "config": {"name": "block1a_se_expand", "filters": 8, "kernel_size": [1, 1], "padding": "same", "activation": "sigmoid"}, "inbound_nodes": [[["block1a_se_reduce", 0, 0, {}]]]},
          {"name": "block1a_se_excite", "class_name": "Multiply", "config": {"name": "block1a_se_excite"}, "inbound_nodes": [[["block1a_activation", 0, 0, {}], ["block1a_se_expand", 0, 0, {}]]]},
          {"name": "block1a_project_conv", "class_name": "Conv2D", "config": {"name": "block1a_project_conv", "filters": 8, "kernel_size": [1, 1], "padding": "same", "use_bias": false}, "inbound_nodes": [[["block1a_se_excite", 0, 0, {}]]]},
          {"name": "block1a_project_bn", "class_name": "BatchNormalization", "config": {"name": "block1a_project_bn", "axis": 3}, "inbound_nodes": [[["block1a_project_conv", 0, 0, {}]]]},
          {"name": "block1a_drop", "class_name": "Dropout", "config": {"name": "block1a_drop", "rate": 0.2, "noise_shape": [null, 1, 1, 1]}, "inbound_nodes": [[["block1a_project_bn", 0, 0, {}]]]},
          {"name": "block1a_add", "class_name": "Add", "config": {"name": "block1a_add"}, "inbound_nodes": [[["block1a_drop", 0, 0, {}], ["stem_activation", 0, 0, {}]]]},
          {"name": "avg_pool", "class_name": "GlobalAveragePooling2D", "config": {"name": "avg_pool"}, "inbound_nodes": [[["block1a_add", 0, 0, {}]]]},
          {"name": "predictions", "class_name": "Dense", "config": {"name": "predictions", "units": 5, "activation": "softmax"}, "inbound_nodes": [[["avg_pool", 0, 0, {}]]]}
        ], "input_layers": [["input_1", 0, 0]], "output_layers": [["predictions", 0, 0]]}}
        """;

    /** The graph's calls in order: each layer with the names of the tensors it reads. */
    private static final String[][] CALLS = {
        {"rescaling", "input_1"}, {"normalization", "rescaling"}, {"rescaling_1", "normalization"},
        {"stem_conv_pad", "rescaling_1"}, {"stem_conv", "stem_conv_pad"}, {"stem_bn", "stem_conv"},
        {"stem_activation", "stem_bn"}, {"block1a_dwconv", "stem_activation"}, {"block1a_bn", "block1a_dwconv"},
        {"block1a_activation", "block1a_bn"}, {"block1a_se_squeeze", "block1a_activation"},
        {"block1a_se_reshape", "block1a_se_squeeze"}, {"block1a_se_reduce", "block1a_se_reshape"},
        {"block1a_se_expand", "block1a_se_reduce"}, {"block1a_se_excite", "block1a_activation", "block1a_se_expand"},
        {"block1a_project_conv", "block1a_se_excite"}, {"block1a_project_bn", "block1a_project_conv"},
        {"block1a_drop", "block1a_project_bn"}, {"block1a_add", "block1a_drop", "stem_activation"},
        {"avg_pool", "block1a_add"}, {"predictions", "avg_pool"},
    };

    @Test
    void thePlannedModelGivesWhatItsLayersGiveOneByOne() throws Exception {
        GraphConfigs.RecordingWeights weights = new GraphConfigs.RecordingWeights();
        float[] x = new float[2 * 16 * 16 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (i * 97) % 256;
        try (Model m = ModelConfigs.build(new ObjectMapper().readTree(CONFIG), weights);
             Tensor in = Tensor.of(x, 2, 16, 16, 3)) {
            Map<String, Tensor> values = new HashMap<>();
            values.put("input_1", in);
            try {
                for (String[] call : CALLS) {
                    Layer l = m.layer(call[0]);
                    List<Tensor> args = java.util.Arrays.stream(call, 1, call.length).map(values::get).toList();
                    values.put(call[0], args.size() == 1 ? l.call(args.get(0)) : l.call(args));
                }
                float[] want = values.get("predictions").toFloatArray();
                for (kdnn.layers.ExtremeValues mode : kdnn.layers.ExtremeValues.values()) {
                    m.setExtremes(mode);
                    try (Tensor y = m.predict(in)) {
                        assertArrayEquals(new long[] {2, 5}, y.shape());
                        assertArrayEquals(want, y.toFloatArray(), 2e-6f, mode + "\n" + m.plan());
                    }
                }
                float sum = 0;
                for (int i = 0; i < 5; i++) sum += want[i];
                assertEquals(1f, sum, 1e-5f, "a softmax row");
            } finally {
                values.remove("input_1");
                values.values().forEach(Tensor::close);
            }
        }
    }
}
