package kdnn.io;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Small model files made here: HDF5 through jHDF's writer, zips byte by byte where headers must lie. */
final class Fixtures {
    private Fixtures() {
    }

    /** What a test checks of a model read back from a file it was saved to. */
    interface ReadBack {
        void check(String format, kdnn.model.Model back, kdnn.Tensor output) throws Exception;
    }

    /**
     * Saves {@code model} as Keras 2 .h5, Keras 3 .keras and TF.js into {@code dir}, loads each
     * back and hands it, with its prediction for {@code input}, to {@code check} (the original's
     * prediction is {@code want}, compared bitwise first).
     */
    static void everyFormat(kdnn.model.Model model, Path dir, kdnn.Tensor input, ReadBack check) throws Exception {
        try (kdnn.Tensor want = model.predict(input)) {
            for (String file : java.util.List.of("m.h5", "m.keras", "tfjs")) {
                Path f = dir.resolve(file);
                Models.save(model, f);
                try (kdnn.model.Model back = Models.load(f); kdnn.Tensor got = back.predict(input)) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(want.toFloatArray(), got.toFloatArray(), file);
                    check.check(file, back, got);
                }
            }
        }
    }

    /** Gives every weight of {@code layer} a distinct value (sin of its running index), so a file that mixes them up shows. */
    static void setDistinctWeights(kdnn.layers.Layer layer) {
        java.util.List<kdnn.layers.Weight> ws = new java.util.ArrayList<>();
        int k = 0;
        for (kdnn.layers.Weight w : layer.getWeights()) {
            float[] v = new float[w.values().length];
            for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(++k);
            ws.add(new kdnn.layers.Weight(w.name(), w.shape(), v));
        }
        layer.setWeights(ws);
    }

    static Path hdf5(Path file, Consumer<WritableHdfFile> content) {
        try (WritableHdfFile f = HdfFile.write(file)) {
            content.accept(f);
        }
        return file;
    }

    /** A layer group with weight_names and its datasets at those paths (given as name -> float[] or double[] arrays). */
    static WritableGroup layer(WritableGroup parent, String name, String[] weightNames, Map<String, Object> datasets) {
        WritableGroup g = parent.putGroup(name);
        g.putAttribute("weight_names", weightNames);
        datasets.forEach((path, data) -> {
            WritableGroup at = g;
            String[] parts = path.split("/");
            for (int i = 0; i < parts.length - 1; i++) {
                WritableGroup existing = at.getChild(parts[i]) instanceof WritableGroup w ? w : null;
                at = existing != null ? existing : at.putGroup(parts[i]);
            }
            at.putDataset(parts[parts.length - 1], data);
        });
        return g;
    }

    private static final String DENSE_CONFIG = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 3], "name": "in"}},
              {"class_name": "Dense", "config": {"name": "dense", "units": 2, "use_bias": true}}]}}""";

    /** A Keras 2 full-model file of one Dense layer, as tf.keras lays it out (strings fixed-length). */
    static Path keras2Model(Path file) {
        return hdf5(file, f -> {
            f.putAttribute("keras_version", "2.12.0");
            f.putAttribute("backend", "tensorflow");
            f.putAttribute("model_config", DENSE_CONFIG);
            WritableGroup w = f.putGroup("model_weights");
            w.putAttribute("layer_names", new String[] {"dense"});
            layer(w, "dense", new String[] {"dense/kernel:0", "dense/bias:0"}, Map.of(
                    "dense/kernel:0", new float[][] {{1f, 2f}, {3f, 4f}, {5f, 6f}}, "dense/bias:0", new float[] {7f, 8f}));
        });
    }

    /** The same model as Keras 3's zip; {@code scratch} is where its weights file is made first. */
    static byte[] keras3Model(Path scratch) throws IOException {
        hdf5(scratch, f -> {
            WritableGroup vars = f.putGroup("layers").putGroup("dense").putGroup("vars");
            vars.putDataset("0", new float[][] {{1f, 2f}, {3f, 4f}, {5f, 6f}});
            vars.putDataset("1", new float[] {7f, 8f});
        });
        Map<String, byte[]> members = new java.util.LinkedHashMap<>();
        members.put("metadata.json", "{\"keras_version\": \"3.15.1\"}".getBytes(StandardCharsets.UTF_8));
        members.put("config.json", DENSE_CONFIG.getBytes(StandardCharsets.UTF_8));
        members.put("model.weights.h5", Files.readAllBytes(scratch));
        return zip(members);
    }

    static Path json(Path file, String json) throws IOException {
        return Files.writeString(file, json);
    }

    /** A zip of the given members (name -> bytes), deflated, as java.util.zip writes it. */
    static byte[] zip(Map<String, byte[]> members) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> m : members.entrySet()) {
                z.putNextEntry(new ZipEntry(m.getKey()));
                z.write(m.getValue());
                z.closeEntry();
            }
        }
        return out.toByteArray();
    }

    /**
     * One deflated zip member whose local header declares {@code declaredSize} bytes uncompressed,
     * whatever {@code content} really is: the lies a zip bomb tells.
     */
    static byte[] lyingZip(String name, byte[] content, long declaredSize) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        d.setInput(content);
        d.finish();
        ByteArrayOutputStream deflated = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (!d.finished()) deflated.write(buf, 0, d.deflate(buf));
        d.end();
        byte[] data = deflated.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(content);
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(30 + nameBytes.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 8).putShort((short) 0)
                .putShort((short) 0).putInt((int) crc.getValue()).putInt(data.length).putInt((int) declaredSize)
                .putShort((short) nameBytes.length).putShort((short) 0).put(nameBytes).put(data);
        return b.array();
    }

    /** The bytes with the first occurrence of {@code from} replaced by {@code to} (same length). */
    static byte[] patch(byte[] bytes, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.ISO_8859_1);
        byte[] t = to.getBytes(StandardCharsets.ISO_8859_1);
        if (f.length != t.length) throw new IllegalArgumentException("a patch keeps the length");
        outer:
        for (int i = 0; i + f.length <= bytes.length; i++) {
            for (int j = 0; j < f.length; j++) {
                if (bytes[i + j] != f[j]) continue outer;
            }
            byte[] out = bytes.clone();
            System.arraycopy(t, 0, out, i, t.length);
            return out;
        }
        throw new IllegalArgumentException("\"" + from + "\" is not in the bytes");
    }
}
