package kdnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** The suite runs from the repository alone: the copies are complete, and shared-only data skips or fails clearly. */
class TestDataTest {
    @Test
    void theCopiesHoldEveryKindOfCaseAndModelTheTestsRead() throws IOException {
        Path copies = TestData.copies();
        assertTrue(count(copies.resolve("golden/cases"), ".json") >= 51, "golden/cases copies");
        assertTrue(count(copies.resolve("golden/surrounding"), ".json") >= 230, "golden/surrounding copies");
        for (String model : List.of("models/audio_1d", "models/cnn_classifier", "functional-models/resnet_tiny",
                "functional-models/nested")) {
            for (String file : List.of("model.json", "weights.bin", "model.h5", "model.keras", "expected.json")) {
                assertTrue(Files.isRegularFile(copies.resolve(model).resolve(file)), model + "/" + file + " copied");
            }
        }
        assertTrue(Files.notExists(copies.resolve("keras-files")), "keras-files must not be copied into the repository");
    }

    @Test
    void withSharedBesideTheCheckoutTheCopiesEqualItsFiles() throws IOException {
        Assumptions.assumeTrue(TestData.sharedPresent(), "no ../shared to compare the copies with");
        Path copies = TestData.copies();
        List<Path> files;
        try (Stream<Path> s = Files.walk(copies)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            Path shared = TestData.sharedLocation().resolve(copies.relativize(f).toString());
            assertTrue(Files.isRegularFile(shared), "copy " + f + " has no original at " + shared);
            assertArrayEquals(Files.readAllBytes(shared), Files.readAllBytes(f), "copy " + f + " differs from " + shared);
        }
        assertEquals(TestData.sharedLocation(), TestData.root());
    }

    @Test
    void sharedOnlyDataIsReturnedWhenPresent(@TempDir Path shared) throws IOException {
        Files.createDirectories(shared.resolve("keras-files"));
        assertEquals(shared.resolve("keras-files"), TestData.onlyInShared("keras-files", shared, false));
        assertEquals(shared.resolve("keras-files"), TestData.onlyInShared("keras-files", shared, true));
    }

    @Test
    void missingSharedOnlyDataSkipsSayingWhy(@TempDir Path parent) {
        Path shared = parent.resolve("shared");
        TestAbortedException e = assertThrows(TestAbortedException.class,
                () -> TestData.onlyInShared("keras-files", shared, false));
        assertTrue(e.getMessage().contains("keras-files not found at " + shared.resolve("keras-files"))
                && e.getMessage().contains("not copied into the repository"), e.getMessage());
    }

    @Test
    void missingSharedOnlyDataFailsInCi(@TempDir Path parent) {
        AssertionError e = assertThrows(AssertionError.class,
                () -> TestData.onlyInShared("keras-files", parent.resolve("shared"), true));
        assertTrue(e.getMessage().contains("CI=true: required"), e.getMessage());
    }

    private static long count(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).count();
        }
    }
}
