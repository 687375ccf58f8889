package kdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import kdnn.io.Keras2Weights.FileWeight;
import kdnn.layers.Weight;

/**
 * TensorFlow.js' layers format: {@code model.json} ({@code modelTopology}, the Keras 2 config,
 * and {@code weightsManifest}) with weight shards ({@code .bin}, little-endian float32 or as the
 * converter quantized them, the manifest's weights back to back across a group's shards).
 */
final class Tfjs {
    private Tfjs() {
    }

    static boolean isTfjs(JsonNode root) {
        return root.isObject() && root.has("modelTopology");
    }

    /** The config ({@code modelTopology}, unwrapped from {@code model_config} where the converter wrapped it). */
    static JsonNode topology(JsonNode root, String file) {
        JsonNode t = root.get("modelTopology");
        if (t != null && t.has("model_config")) {
            t = t.get("model_config");
        }
        if (t == null || !t.isObject()) {
            throw new ModelFileException(file + ": \"modelTopology\" is not a model config object");
        }
        return t;
    }

    static String kerasVersion(JsonNode root) {
        JsonNode t = root.path("modelTopology");
        JsonNode v = t.has("keras_version") ? t.get("keras_version") : t.path("model_config").get("keras_version");
        return v != null && v.isTextual() ? v.asText() : null;
    }

    /** Every weight of the manifest in its order; {@code dir} is where the shards are, null when unknown. */
    static List<FileWeight> weights(JsonNode root, Path dir, String file) throws IOException {
        JsonNode manifest = root.get("weightsManifest");
        List<FileWeight> out = new ArrayList<>();
        if (manifest == null || manifest.isNull()) {
            return out;
        }
        if (!manifest.isArray()) {
            throw new ModelFileException(file + ": \"weightsManifest\" must be a list of groups");
        }
        Set<String> names = new HashSet<>();
        for (int g = 0; g < manifest.size(); g++) {
            JsonNode group = manifest.get(g);
            List<Entry> entries = new ArrayList<>();
            long need = 0;
            for (JsonNode w : group.path("weights")) {
                Entry e = Entry.parse(w, file);
                if (!names.add(e.name)) {
                    throw new ModelFileException(file + ": weight \"" + e.name + "\" appears twice in the manifest");
                }
                entries.add(e);
                need = Math.addExact(need, e.count * e.storage.bytes);
            }
            if (entries.isEmpty()) continue;
            if (dir == null) {
                throw new ModelFileException(file + ": its weights are in files beside it (" + group.path("paths")
                        + "), which cannot be found when it is read from a stream; read it from its path");
            }
            ByteBuffer bytes = shards(group.path("paths"), dir, need, g, file);
            for (Entry e : entries) {
                out.add(new FileWeight(e.name, new Weight(e.name, e.shape, e.decode(bytes))));
            }
        }
        return out;
    }

    private static ByteBuffer shards(JsonNode paths, Path dir, long need, int group, String file) throws IOException {
        if (need > Integer.MAX_VALUE - 8) {
            throw new ModelFileException(file + ": weight group " + group + " needs " + need + " bytes, more than kdnn reads");
        }
        if (!paths.isArray() || paths.isEmpty()) {
            throw new ModelFileException(file + ": weight group " + group + " lists no \"paths\"");
        }
        ByteBuffer all = ByteBuffer.allocate((int) need).order(ByteOrder.LITTLE_ENDIAN);
        long have = 0;
        Path base = dir.toAbsolutePath().normalize();
        for (JsonNode p : paths) {
            Path shard = base.resolve(p.asText()).normalize();
            if (!shard.startsWith(base) || !p.isTextual()) {
                throw new ModelFileException(file + ": weight file path " + p + " leaves the model's folder");
            }
            if (!Files.isRegularFile(shard)) {
                throw new ModelFileException(file + ": weight file \"" + p.asText() + "\" (group " + group + ") is missing");
            }
            long size = Files.size(shard);
            have += size;
            if (have > need) {
                throw new ModelFileException(file + ": the weight files of group " + group + " hold " + have
                        + " bytes or more, but the manifest lists " + need + " bytes of weights");
            }
            all.put(Files.readAllBytes(shard));
        }
        if (have < need) {
            throw new ModelFileException(file + ": the weight files of group " + group + " hold " + have
                    + " bytes, but the manifest lists " + need + " bytes of weights (truncated?)");
        }
        return all.flip();
    }

    /** How a manifest entry stores its float32 values: plain, or quantized as the TF.js converter writes them. */
    enum Storage {
        FLOAT32(4), UINT8(1), UINT16(2), FLOAT16(2);

        final int bytes;

        Storage(int bytes) {
            this.bytes = bytes;
        }
    }

    /**
     * One manifest entry: a float32 weight, stored as float32 or quantized ({@code "quantization":
     * {"dtype": "uint8" | "uint16", "min", "scale"}}: value = q * scale + min; {@code "float16"}: IEEE
     * half precision), decoded as TF.js' {@code decodeWeights} decodes it.
     */
    private record Entry(String name, int[] shape, long count, Storage storage, double min, double scale) {
        float[] decode(ByteBuffer bytes) {
            float[] values = new float[(int) count];
            switch (storage) {
                case FLOAT32 -> {
                    bytes.asFloatBuffer().get(values);
                    bytes.position(bytes.position() + values.length * Float.BYTES);
                }
                case UINT8 -> {
                    for (int i = 0; i < values.length; i++) values[i] = (float) ((bytes.get() & 0xff) * scale + min);
                }
                case UINT16 -> {
                    for (int i = 0; i < values.length; i++) values[i] = (float) ((bytes.getShort() & 0xffff) * scale + min);
                }
                case FLOAT16 -> {
                    for (int i = 0; i < values.length; i++) values[i] = Float.float16ToFloat(bytes.getShort());
                }
            }
            return values;
        }

        static Entry parse(JsonNode w, String file) {
            String name = w.path("name").asText(null);
            if (name == null) {
                throw new ModelFileException(file + ": a weight manifest entry has no name: " + ConfigNormalizer.abbreviate(w));
            }
            String dtype = w.path("dtype").asText("float32");
            if (!dtype.equals("float32")) {
                throw new ModelFileException(file + ": weight \"" + name + "\" has dtype " + dtype + "; kdnn reads float32");
            }
            Storage storage = Storage.FLOAT32;
            double min = 0;
            double scale = 1;
            JsonNode q = w.get("quantization");
            if (q != null && !q.isNull()) {
                String qt = q.path("dtype").asText("");
                switch (qt) {
                    case "uint8", "uint16" -> {
                        if (!q.path("min").isNumber() || !q.path("scale").isNumber()) {
                            throw new ModelFileException(file + ": weight \"" + name + "\" with quantization " + qt
                                    + " doesn't have corresponding metadata min and scale");
                        }
                        storage = qt.equals("uint8") ? Storage.UINT8 : Storage.UINT16;
                        min = q.get("min").asDouble();
                        scale = q.get("scale").asDouble();
                    }
                    case "float16" -> storage = Storage.FLOAT16;
                    default -> throw new ModelFileException(file + ": weight \"" + name + "\" has unknown quantization dtype "
                            + q.path("dtype") + "; supported quantization dtypes are 'uint8', 'uint16' and 'float16'");
                }
            }
            JsonNode s = w.path("shape");
            if (!s.isArray()) {
                throw new ModelFileException(file + ": weight \"" + name + "\" has no \"shape\" list");
            }
            int[] shape = new int[s.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = s.get(i);
                if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE) {
                    throw new ModelFileException(file + ": weight \"" + name + "\" has an invalid dimension " + d);
                }
                shape[i] = d.asInt();
                count *= shape[i];
                if (count > Integer.MAX_VALUE / Float.BYTES) {
                    throw new ModelFileException(file + ": weight \"" + name + "\" of shape " + s + " is too large");
                }
            }
            return new Entry(name, shape, count, storage, min, scale);
        }
    }
}
