package kdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import kdnn.layers.Weight;

/**
 * A model file read into one neutral form, whatever wrote it.
 *
 * @param format       "keras2-h5", "keras3-zip", "keras3-folder" (its members unzipped in a folder),
 *                     "keras3-h5" (the legacy .h5 Keras 3 writes),
 *                     "tfjs", "keras-json" (a bare config, with or without a separate weights
 *                     file), or "keras3-json" (the same where Keras 3 wrote the config or the
 *                     weights: Keras 3's forms, or a Keras 3 .weights.h5)
 * @param kerasVersion the writer's version as the file says it, or null when it does not
 * @param modelConfig  {@code {"class_name", "config"}} in Keras 2's form (Keras 3's forms normalized)
 * @param weights      by layer path ("conv1", "inner_model/conv_a"): that layer's weights in
 *                     {@code get_weights()} order; layers without weights are absent
 * @param notes        what reading changed, e.g. float16 weights widened to float32
 */
public record ModelSource(String format, String kerasVersion, JsonNode modelConfig, Map<String, List<Weight>> weights,
                          List<String> notes) {
    /**
     * Copies the config, weights and notes, so the source is immutable.
     * @throws NullPointerException when {@code format} or {@code modelConfig} is null
     */
    public ModelSource {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(modelConfig, "modelConfig");
        modelConfig = modelConfig.deepCopy();
        Map<String, List<Weight>> copy = new LinkedHashMap<>();
        weights.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        weights = Collections.unmodifiableMap(copy);
        notes = List.copyOf(notes);
    }

    /** 3 for a file Keras 3 wrote, else 2. */
    public int kerasMajor() {
        if (format.startsWith("keras3-")) {
            return 3;
        }
        return KerasVersions.major(kerasVersion) == 3 ? 3 : 2;
    }

    /** A copy of the config: the record's own stays unchanged. */
    @Override
    public JsonNode modelConfig() {
        return modelConfig.deepCopy();
    }
}
