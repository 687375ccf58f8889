package kdnn;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the test data is, and seeded random inputs.
 *
 * <p>The golden layer cases and models are read from {@code ../shared} beside the checkout when it
 * is there (the pom passes it as {@code kdnn.shared}; it may hold more cases than the copies), and
 * otherwise from the copies under {@code src/test/resources/kdnn/testdata}, which mirror its layout,
 * so the suite passes from the repository alone. The real Keras-written files of
 * {@code ../shared/keras-files} may not be copied: tests of them skip without {@code ../shared},
 * except in CI ({@code CI=true}), where they fail.
 */
public final class TestData {
    private TestData() {
    }

    /** The shared folder, whether or not it exists: {@code -Dkdnn.shared}, else {@code ../shared}. */
    public static Path sharedLocation() {
        return Path.of(System.getProperty("kdnn.shared", "../shared"));
    }

    /** True when the shared test data is beside the checkout. */
    public static boolean sharedPresent() {
        return Files.isDirectory(sharedLocation());
    }

    /** The folder the golden cases and models are read from: the shared one, else the bundled copies. */
    public static Path root() {
        return sharedPresent() ? sharedLocation() : copies();
    }

    /**
     * Fixtures kdnn keeps itself (not copies of {@code ../shared}), written by Keras:
     * {@code src/test/resources/kdnn/keras-written/NAME} (a {@code make.py} in each writes them).
     */
    public static Path own(String name) {
        URL url = TestData.class.getResource("/kdnn/keras-written/" + name);
        if (url == null) throw new IllegalStateException("fixtures /kdnn/keras-written/" + name + " are not on the class path");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The copies of the shared cases and models under {@code src/test/resources/kdnn/testdata}. */
    static Path copies() {
        URL url = TestData.class.getResource("/kdnn/testdata");
        if (url == null) {
            throw new IllegalStateException("test data copies /kdnn/testdata are not on the class path");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The golden cases of the convolution and shape layers ({@code golden/cases}). */
    public static Path goldenCases() {
        return root().resolve("golden/cases");
    }

    /** The golden cases of the layers around them ({@code golden/surrounding}). */
    public static Path goldenSurrounding() {
        return root().resolve("golden/surrounding");
    }

    /** The golden Sequential models ({@code models}). */
    public static Path models() {
        return root().resolve("models");
    }

    /** The golden functional models ({@code functional-models}). */
    public static Path functionalModels() {
        return root().resolve("functional-models");
    }

    /** Every golden model's folder, Sequential then functional, each sorted by name. */
    public static java.util.List<Path> goldenModelFolders() throws java.io.IOException {
        java.util.List<Path> out = new java.util.ArrayList<>();
        for (Path root : java.util.List.of(models(), functionalModels())) {
            try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(root)) {
                s.filter(java.nio.file.Files::isDirectory).sorted().forEach(out::add);
            }
        }
        if (out.isEmpty()) throw new IllegalStateException("no golden models under " + root());
        return out;
    }

    /**
     * The real Keras-written model files ({@code keras-files}), which exist only in the shared
     * folder. Without it the calling test is skipped (saying why), or fails in CI.
     */
    public static Path kerasFiles() {
        return onlyInShared("keras-files", sharedLocation(), "true".equalsIgnoreCase(System.getenv("CI")));
    }

    /**
     * {@code shared/what} when it exists. Otherwise in CI an {@link AssertionError}, elsewhere an
     * aborted assumption: JUnit reports the test as skipped with the reason.
     */
    static Path onlyInShared(String what, Path shared, boolean ci) {
        Path dir = shared.resolve(what);
        if (Files.isDirectory(dir)) {
            return dir;
        }
        String why = what + " not found at " + dir.toAbsolutePath().normalize() + ": this test needs the shared test"
                + " data beside the checkout (../shared, or -Dkdnn.shared=DIR); it is not copied into the repository";
        if (ci) {
            throw new AssertionError(why + " (CI=true: required)");
        }
        return Assumptions.abort("skipped: " + why);
    }

    /** Values uniform in [-1, 1). */
    public static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return a;
    }
}
