package kdnn.io;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where the shared model files are; tests that need them skip, saying why, when they are absent. */
final class SharedFiles {
    private SharedFiles() {
    }

    static Path shared() {
        Path p = Path.of(System.getProperty("kdnn.shared", "../shared"));
        assumeTrue(Files.isDirectory(p), "shared test data not found at " + p.toAbsolutePath()
                + " (set -Dkdnn.shared=DIR); skipping the tests that read Keras-written files");
        return p;
    }

    static Path dir(String sub) {
        Path p = shared().resolve(sub);
        assumeTrue(Files.isDirectory(p), sub + " not found under " + shared().toAbsolutePath() + "; skipping");
        return p;
    }

    /** The model folders (those holding a model file) of a shared folder, sorted. */
    static List<Path> modelFolders(String sub) throws IOException {
        try (Stream<Path> s = Files.list(dir(sub))) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }
}
