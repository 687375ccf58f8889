package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import kdnn.Tensor;
import kdnn.model.Model;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras 3's unzipped save ({@code model.save(path, zipped=False)}, Keras' form on the Hugging Face
 * Hub: config.json, metadata.json and model.weights.h5 in a folder): every .keras file Keras
 * 3.15.1 wrote, unpacked into a temporary folder, reads as the zip does (config and every weight);
 * a model kdnn wrote predicts the same from either; a folder missing a part, or holding the npz
 * weights Keras can write instead, is refused naming it.
 */
class Keras3FolderTest {
    /** The zip's members as files in {@code into}. */
    private static Path unzip(Path zip, Path into) throws IOException {
        Files.createDirectories(into);
        try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                if (e.isDirectory()) continue;
                Path to = into.resolve(e.getName()).normalize();
                assertTrue(to.startsWith(into), e.getName());
                Files.createDirectories(to.getParent());
                Files.copy(z, to);
            }
        }
        return into;
    }

    @TestFactory
    Stream<DynamicTest> everyKerasWrittenZipReadsTheSameUnpacked(@TempDir Path tmp) throws IOException {
        return SharedFiles.modelFolders("keras-files/keras-3.15.1").stream().map(dir ->
                DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                    Path folder = unzip(dir.resolve("model.keras"), tmp.resolve(dir.getFileName().toString()));
                    ModelSource zip = ModelReader.read(dir.resolve("model.keras"));
                    ModelSource unpacked = ModelReader.read(folder);
                    assertEquals("keras3-folder", unpacked.format());
                    assertEquals(zip.kerasVersion(), unpacked.kerasVersion());
                    assertEquals(3, unpacked.kerasMajor());
                    assertEquals(zip.modelConfig(), unpacked.modelConfig());
                    GoldenFormatsTest.assertSameWeights(zip.weights(), unpacked.weights(), dir.getFileName().toString(), true);
                }));
    }

    @Test
    void aModelPredictsTheSameFromTheFolderAndMissingPartsAreNamed(@TempDir Path tmp) throws Exception {
        String config = TfKerasOps.model(TfKerasOps.input("[null, 6, 6, 2]") + ", "
                + "{'class_name': 'Conv2D', 'config': {'name': 'conv', 'filters': 3, 'kernel_size': 3,"
                + " 'activation': 'relu'}, 'name': 'conv', 'inbound_nodes': [[['x', 0, 0, {}]]]}", "conv");
        Path zip = tmp.resolve("m.keras");
        try (Model m = kdnn.model.ModelConfigs.build(new com.fasterxml.jackson.databind.ObjectMapper().readTree(config),
                (path, layer, expected) -> layer.getWeights())) {
            Models.save(m, zip);
        }
        Path folder = unzip(zip, tmp.resolve("hub"));
        float[] x = new float[72];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
        try (Model a = Models.load(zip); Model b = Models.load(folder); Tensor in = Tensor.of(x, 1, 6, 6, 2);
             Tensor ya = a.predict(in); Tensor yb = b.predict(in)) {
            assertArrayEquals(ya.toFloatArray(), yb.toFloatArray(), 0f);
        }
        Files.delete(folder.resolve("metadata.json"));
        var missing = assertThrows(NoSuchFileException.class, () -> Models.load(folder).close());
        assertTrue(missing.getMessage().contains("metadata.json"), missing.getMessage());
        Path npz = unzip(zip, tmp.resolve("npz"));
        Files.move(npz.resolve("model.weights.h5"), npz.resolve("model.weights.npz"));
        var e = assertThrows(IllegalArgumentException.class, () -> Models.load(npz).close());
        assertTrue(e.getMessage().contains("model.weights.npz"), e.getMessage());
    }
}
